"""Anti-social behaviour can hide domestic abuse (whg 2.3, MHA 4.2.13): noise, shouting, damage to doors or
locks, police visits, arrears. When what someone wrote mentions these, the case shows a prompt to record
it as domestic abuse, separately from any ASB case. Matching runs only on text decrypted for the request."""
from __future__ import annotations

import re

# Whole words or phrases (regular expressions), English and Welsh: a prompt to think, not a classifier.
SIGNS = {
    "en": [r"nois(?:e|es|y)", r"shout(?:s|ed|ing)?", r"scream(?:s|ed|ing)?", r"bang(?:s|ed|ing)?",
           r"slam(?:s|med|ming)?", r"smash(?:es|ed|ing)?", r"broken (?:door|window|lock)s?", r"door kicked",
           r"damage[ds]?", r"locks?", r"police (?:came|were called|called)", r"arrears", r"anti-?social",
           r"asb", r"neighbours? (?:complain|complained|complaints?)"],
    "cy": [r"sŵn", r"swnllyd", r"gweiddi", r"sgrechian", r"clec(?:iau)?", r"difrod",
           r"drws wedi(?:'i)? (?:dorri|gicio)",
           r"clo", r"cloeon", r"galw'r heddlu", r"ôl-ddyledion", r"dyledion rhent", r"gwrthgymdeithasol"],
}
_PATTERN = re.compile(r"(?<!\w)(?:" + "|".join(s for words in SIGNS.values() for s in words) + r")(?!\w)",
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
