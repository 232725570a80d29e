"""Anti-social behaviour can hide domestic abuse (whg 2.3, MHA 4.2.13): noise, shouting, damage to doors or
locks, police visits, arrears. When what someone wrote mentions these, the case shows a prompt to record
it as domestic abuse, separately from any ASB case. Matching runs only on text decrypted for the request.

English and Welsh at parity: Welsh words are listed with their mutations (soft, nasal, aspirate: clo, glo,
nghlo, chlo), and the text is matched case- and accent-insensitively (sŵn and swn, ŵ typed as one character or
as w and a combining circumflex), with curly apostrophes as straight ones (galw’r heddlu) and any run of
spaces or line breaks as one space."""
from __future__ import annotations

import re
import unicodedata

# Whole words or phrases (regular expressions, written with their accents: matching ignores them), English
# and Welsh: a prompt to think, not a classifier.
SIGNS = {
    "en": [r"nois(?:e|es|y)", r"shout(?:s|ed|ing)?", r"scream(?:s|ed|ing)?", r"bang(?:s|ed|ing)?",
           r"slam(?:s|med|ming)?", r"smash(?:es|ed|ing)?", r"broken (?:door|window|lock)s?", r"door kicked",
           r"damage[ds]?", r"locks?", r"police (?:came|were called|called)", r"arrears", r"anti-?social",
           r"asb", r"neighbours? (?:complain|complained|complaints?)"],
    "cy": [
        # Noise (sŵn, its plural synau), noisy, a racket; not swnian (nagging) or swnio (to sound).
        r"sŵn", r"synau", r"swnllyd", r"stŵr",
        # Shouting (gweiddi, i weiddi, fy ngweiddi; a shout, gwaedd), screaming.
        r"(?:g|ng)?weiddi", r"(?:g|ng)?waedd", r"sgrech(?:ian|iadau|iad|en)?",
        # Banging (clec: glec, chlec, nghlec), slamming (yn glep), knocking on the door or window, smashing
        # (malu, falu; not "malu awyr", talking nonsense).
        r"(?:c|g|ch|ngh)lec(?:iau|ian)?", r"slamio", r"yn glep",
        r"(?:c|g|ch|ngh)uro(?: ar y|'r) (?:drws|ffenest(?:r|ri)?)", r"(?:m|f)alu(?! awyr| cachu)",
        # Damage (difrod: ddifrod, nifrod), to damage (difrodi), was damaged (difrodwyd).
        r"(?:d|dd|n)ifrod(?:i|wyd|ion)?",
        # A broken or kicked-in door or window: drws (ddrws, nrws) wedi (’i, ’u, cael ei...) torri (dorri,
        # thorri, nhorri) or cicio (gicio, chicio, nghicio); and the other way round, torri’r drws, torrodd
        # e’r drws, ciciodd hi’r drws.
        r"(?:d|dd|n)rws wedi(?:'i|'u| ei| eu| cael ei| cael eu)? (?:t|d|th|nh)orri",
        r"(?:d|dd|n)rws wedi(?:'i|'u| ei| eu| cael ei| cael eu)? (?:c|g|ch|ngh)icio",
        r"ffenest(?:r|ri)? wedi(?:'i|'u| ei| eu| cael ei| cael eu)? (?:t|d|th|nh)orri",
        r"(?:t|d|th|nh)orr(?:i|odd)(?: e| o| hi| nhw)?(?:'r| y) (?:drws|ffenest(?:r|ri)?)",
        r"(?:c|g|ch|ngh)icio(?:dd)?(?: e| o| hi| nhw)?(?:'r| y) drws",
        # A lock: clo (glo, chlo, nghlo), locks (cloeon); glo is also coal (pwll glo, tân glo, glo caled).
        # Not cloi (to lock, as English "locked" is not a sign), cloc (clock), cloch (bell), clos (yard).
        r"(?:c|ch|ngh)lo", r"(?<!pwll )(?<!tân )glo(?! caled)", r"(?:c|g|ch|ngh)loeon",
        # The police: yr heddlu, ’r heddlu (galw’r heddlu, i’r heddlu); a police officer (plismon, plismyn:
        # blismon, mhlismon, phlismon).
        r"(?<=\byr |'r )heddlu", r"(?:p|b|mh|ph)lism(?:on|yn)",
        # Arrears (ôl-ddyledion, ei hôl-ddyledion), rent debts (dyledion, ddyledion, nyledion rhent), unpaid
        # rent; not debts alone.
        r"h?ôl[- ]?ddyled(?:ion)?", r"(?:d|dd|n)yled(?:ion)? rhent", r"rhent heb ei dalu",
        # Anti-social.
        r"g?wrth-?gymdeithasol",
        # Neighbours (cymdogion, cymydog: gymdogion, nghymdogion, chymdogion) complaining (cwyno, gwyno, chwyno),
        # complaints from the neighbours.
        r"(?:c|g|ch|ngh)ym(?:dogion|ydog) (?:yn|wedi) (?:c|g|ch)wyno",
        r"(?:c|g|ch)wyn(?:ion)? gan (?:y|yr|fy|ei|ein) (?:c|g|ch|ngh)ym(?:dogion|ydog)",
    ],
}
_SAME = {"\u2018": "'", "\u2019": "'", "\u02bc": "'", "\u2032": "'", "`": "'", "\u2010": "-", "\u2011": "-"}


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _fold(text: str) -> tuple[str, list[int]]:
    """The text as it is matched (no accents, one kind of apostrophe and hyphen, single spaces), and for each of
    its characters the index of the character it came from."""
    folded: list[str] = []
    origin: list[int] = []
    for i, char in enumerate(text):
        if char.isspace():
            if not folded or folded[-1] != " ":
                folded.append(" ")
                origin.append(i)
            continue
        for part in _strip_accents(char):
            folded.append(_SAME.get(part, part))
            origin.append(i)
    return "".join(folded), origin


_PATTERN = re.compile(r"(?<!\w)(?:" + "|".join(_strip_accents(s) for words in SIGNS.values() for s in words)
                      + r")(?!\w)", re.IGNORECASE)


def asb_signs(texts: list[str]) -> list[str]:
    """The distinct signs found, as written (lower case), in the order first seen."""
    found: list[str] = []
    for text in texts:
        folded, origin = _fold(text or "")
        for match in _PATTERN.finditer(folded):
            start, end = origin[match.start()], origin[match.end() - 1] + 1
            while end < len(text) and unicodedata.combining(text[end]):
                end += 1  # a combining accent on the last letter is part of the word
            word = " ".join(unicodedata.normalize("NFC", text[start:end]).lower().split())
            if word not in found:
                found.append(word)
    return found
