"""Taking what people send: reports (sealed, stored once, spooled in an outage) and receipt conversations."""
