"""zugong's benchmark harness: `python -m bench run [--scale county|city|province] [--db URL]`.

Every scenario times zugong doing something through Django and the same work done by hand-written
SQL on a raw cursor, in the same run, and compares the two answers: a fast wrong answer fails the
run. See docs/performance.md.
"""
