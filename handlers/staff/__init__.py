"""Staff use cases: exports, statistics, answers import, history, staff members, bot staff commands."""
