"""The scenarios, in the order they run. Each module's `run(bench)` returns rows of the table."""

from bench.scenarios import dashboard, import_roster, load, member_list, move, orglife, pending, tree

SCENARIOS = {
    "dashboard": dashboard.run,
    "tree": tree.run,
    "list": member_list.run,
    "load": load.run,
    "move": move.run,
    "orglife": orglife.run,
    "import": import_roster.run,
    "pending": pending.run,
}
