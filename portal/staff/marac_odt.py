"""The saved MARAC referral pack as an OpenDocument text file (odfpy): the same fields, headings and
confidentiality line as the printable page. Text is XML, so any language's letters (Welsh ŵ and ŷ among them)
need no font on the server: the reader's word processor draws them."""
from __future__ import annotations

import io

from flask_babel import gettext
from odf.dc import Language, Title
from odf.opendocument import OpenDocumentText
from odf.style import ParagraphProperties, Style, TextProperties
from odf.text import H, P

from portal.casework.marac_pack import PACK_FIELDS
from portal.staff.forms_marac import PACK_LABELS


def _styles(doc: OpenDocumentText, lang: str) -> dict[str, Style]:
    """Paragraph styles, in the pack's language (so a word processor checks the spelling in Welsh or English)."""
    made = {}
    for name, size, bold in (("Title", "16pt", True), ("Field", "12pt", True), ("Body", "11pt", False),
                             ("Confidential", "11pt", True)):
        style = Style(name=name, family="paragraph")
        style.addElement(TextProperties(fontsize=size, fontweight="bold" if bold else "normal",
                                        language="cy" if lang == "cy" else "en", country="GB"))
        style.addElement(ParagraphProperties(marginbottom="0.2cm", margintop="0.3cm" if bold else "0cm"))
        doc.styles.addElement(style)
        made[name] = style
    return made


def pack_odt(fields: dict[str, str], reference: str, lang: str) -> bytes:
    doc = OpenDocumentText()
    doc.meta.addElement(Title(text=gettext("MARAC referral, case %(reference)s", reference=reference)))
    doc.meta.addElement(Language(text="cy-GB" if lang == "cy" else "en-GB"))
    styles = _styles(doc, lang)
    doc.text.addElement(H(outlinelevel=1, stylename=styles["Title"],
                          text=gettext("MARAC referral, case %(reference)s", reference=reference)))
    doc.text.addElement(P(stylename=styles["Confidential"], text=gettext(
        "OFFICIAL-SENSITIVE. Confidential: for the MARAC meeting only. Do not leave unattended; shred after use.")))
    for name in PACK_FIELDS:
        doc.text.addElement(H(outlinelevel=2, stylename=styles["Field"], text=str(PACK_LABELS[name])))
        for line in (fields.get(name) or "").split("\n") or [""]:
            doc.text.addElement(P(stylename=styles["Body"], text=line))
    buffer = io.BytesIO()
    doc.write(buffer)
    return buffer.getvalue()

