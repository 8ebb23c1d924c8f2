"""Demo and benchmark data: `zugong seed` builds a realistic tree of Party organizations, host units
and members, deterministically from a seed; `zugong demo` starts a ready-to-use installation.

Not an app: it has no models. It writes the tables of orgs and members in bulk (COPY on
PostgreSQL), producing exactly the rows the services would have written.
"""
