"""Working cases: opening and recording, the queue, DASH, ASB signs, indicators, retention and notification e-mails."""
