"""The database and beside it: engine, tables, migrations, the spool, session rows, settings, roles, key rotation."""
