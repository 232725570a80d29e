"""What every page relies on: sessions, security headers, language, rate limits, errors, the form base, helplines."""
