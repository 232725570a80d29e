"""The community safety team's accounts: passwords (Argon2id) and authenticator codes (TOTP)."""
