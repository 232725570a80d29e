"""The database and what lies beside it: engine, tables, migrations, the spool, session rows, settings, roles and key rotation."""
