"""Anti-social behaviour can hide domestic abuse (whg 2.3, MHA 4.2.13): noise, shouting, damage to doors or
locks, police visits, arrears. When what someone wrote mentions these, the case shows a prompt to record
it as domestic abuse, separately from any ASB case. Matching runs only on text decrypted for the request."""
from __future__ import annotations

import re

# Word stems, English and Welsh. Kept short and common: a prompt to think, not a classifier.
SIGNS = {
    "en": ["noise", "noisy", "shout", "scream", "bang", "slam", "smash", "broken door", "door kicked",
           "damage", "lock", "police came", "police were called", "arrears", "anti-social", "antisocial",
           "asb", "neighbour complain"],
    "cy": ["sŵn", "swnllyd", "gweiddi", "sgrechian", "clec", "difrod", "drws wedi", "clo", "heddlu",
           "ôl-ddyledion", "dyledion rhent", "gwrthgymdeithasol"],
}
_PATTERN = re.compile(r"\b(?:" + "|".join(re.escape(s) for words in SIGNS.values() for s in words) + ")",
                      re.IGNORECASE)


def asb_signs(texts: list[str]) -> list[str]:
    """The distinct signs found, in the order first seen (lower case)."""
    found: list[str] = []
    for text in texts:
        for match in _PATTERN.finditer(text or ""):
            word = match.group(0).lower()
            if word not in found:
                found.append(word)
    return found
