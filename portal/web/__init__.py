"""What every page on both sides relies on: sessions, security headers, language, rate limits, errors, the form base, helplines."""
