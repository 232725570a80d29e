"""Cryptography with no knowledge of the database: key pairs and their files, and the sealed envelope (HPKE)."""
