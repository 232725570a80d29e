"""The ASB prompt's signs (portal/casework/asb.py) in Welsh as in English: realistic sentences, the mutations, any
case or accent, curly apostrophes; and words that look alike but are not signs. The case page's prompt itself is
in tests/casework/test_cases.py."""
from __future__ import annotations

import pytest

from portal.casework.asb import asb_signs

WELSH = [
    ("Mae'r cymdogion wedi cwyno am y sŵn sawl gwaith, ond fe sy'n gweiddi arna i bob nos.",
     ["cymdogion wedi cwyno", "sŵn", "gweiddi"]),
    ("Roedd swn mawr neithiwr a daeth yr heddlu am hanner nos.", ["swn", "heddlu"]),
    ("Mae e wedi torri'r clo ar y drws cefn, ac mae'r drws wedi'i gicio i mewn.", ["clo", "drws wedi'i gicio"]),
    ("Mae difrod i'r ffenest a does dim clo ar y drws ffrynt.", ["difrod", "clo"]),
    ("Gwnaeth e lawer o ddifrod i'r gegin pan oedd e wedi meddwi.", ["ddifrod"]),
    ("Dw i wedi newid fy nghlo ddwywaith eleni.", ["nghlo"]),
    ("Rhoddon nhw ddau glo newydd ar y drws.", ["glo"]),
    ("Torrodd e ei chlo hi a chymryd ei hallweddi.", ["chlo"]),
    ("Mae fy nrws wedi'i dorri ers mis.", ["nrws wedi'i dorri"]),
    ("Dywedodd e fod ei ddrws wedi torri.", ["ddrws wedi torri"]),
    ("Mae'r drws wedi cael ei dorri eto.", ["drws wedi cael ei dorri"]),
    ("Torrodd e'r drws a malu'r ffenest.", ["torrodd e'r drws", "malu"]),
    ("Ffoniais i’r heddlu, a galwodd fy mam yr Heddlu hefyd.", ["heddlu"]),
    ("Daeth dau blismon i'r tŷ.", ["blismon"]),
    ("Dechreuodd e weiddi a sgrechian.", ["weiddi", "sgrechian"]),
    ("Clywais i glec uchel, wedyn caeodd e'r drws yn glep.", ["glec", "yn glep"]),
    ("Mae gen i ôl-ddyledion rhent achos mae e'n cymryd fy arian.", ["ôl-ddyledion"]),
    ("Mae ganddo ddyledion rhent ers y Nadolig.", ["ddyledion rhent"]),
    ("Mae fy nghymdogion yn cwyno drwy'r amser.", ["nghymdogion yn cwyno"]),
    ("Cefais lythyr am ymddygiad gwrthgymdeithasol.", ["gwrthgymdeithasol"]),
    ("Roedd synau uchel o'r fflat, ac mae'r lle yn swnllyd bob penwythnos.", ["synau", "swnllyd"]),
    ("Roedd e'n curo ar y drws am ddau o'r gloch y bore.", ["curo ar y drws"]),
    ("Ciciodd hi'r drws nes iddo dorri.", ["ciciodd hi'r drws"]),
    ("Mae'r ffenest wedi torri eto.", ["ffenest wedi torri"]),
    ("Roedd y ffenestri wedi'u torri a'r cloeon wedi mynd.", ["ffenestri wedi'u torri", "cloeon"]),
]


@pytest.mark.parametrize(("text", "signs"), WELSH, ids=[t[:40] for t, _ in WELSH])
def test_welsh_signs_are_found_with_their_mutations(text, signs):
    assert asb_signs([text]) == signs


@pytest.mark.parametrize("text", [
    "Mae hi'n swnian am arian, ac mae'n swnio'n flin.",  # nagging, sounding: not sŵn
    "Mae'r cloc ar y wal a'r gloch ar y drws.",  # clock, bell: not clo
    "Mae e'n cloi'r drws bob nos fel na alla i adael.",  # to lock (as English "locked", not a sign)
    "Mae Chloe yn aros ar y clos gyda'r plant.",  # a name, a yard
    "Roedd fy nhad yn gweithio yn y pwll glo, ac mae tân glo yn y parlwr.",  # coal, not a lock
    "Mae hyn yn ddifrifol iawn, ac mae e'n difaru.",  # serious, regret: not difrod
    "Mae gen i ddyledion ar fy ngherdyn credyd.",  # debts, not rent arrears
    "Mae e'n malu awyr drwy'r amser.",  # talking nonsense, not smashing
    "Mae'r drws ar agor a thorrodd e fy nghalon.",  # a door, a broken heart: no broken door
    "Heddiw mae heddwch yn y tŷ.",  # today, peace: not heddlu
    "Mae fy nghymdogion yn garedig iawn.",  # neighbours, no complaint
    "He hides my clothes, the clock is slow and the closet is shut.",
])
def test_words_that_only_look_like_signs_are_not_signs(text):
    assert asb_signs([text]) == []


@pytest.mark.parametrize("written", ["sŵn", "SŴN", "Sŵn", "swn", "SWN", "sw\u0302n", "S\u0174N"])
def test_any_case_and_any_accent(written):
    assert len(asb_signs([f"Mae'r {written} yn ofnadwy."])) == 1


def test_a_sign_is_shown_as_written_and_each_form_once():
    assert asb_signs(["Y sw\u0302n eto.", "Mae'r sŵn yn waeth.", "Swn, swn, swn."]) == ["sŵn", "swn"]


@pytest.mark.parametrize("text", ["Ffoniodd y cymdogion yr heddlu.", "Bu’n rhaid galw’r heddlu.",
                                  "Aeth hi at yr\nheddlu.", "Siaradais i â’r Heddlu."])
def test_the_police_with_the_article_across_apostrophes_and_lines(text):
    assert asb_signs([text]) == ["heddlu"]


@pytest.mark.parametrize("text", ["Mae ôl-ddyledion", "Mae ol-ddyledion", "Mae Ôl\u2011ddyledion",
                                  "Mae ôl ddyledion", "Mae ei hôl-ddyledion", "Mae'n mewn ôl-ddyled"])
def test_arrears_however_hyphenated(text):
    assert len(asb_signs([text])) == 1


def test_a_phrase_across_line_breaks_and_curly_apostrophes():
    assert asb_signs(["Mae’r drws\n  wedi’i   dorri."]) == ["drws wedi’i dorri"]


def test_english_is_unchanged():
    text = "The noise is constant, he banged on the door, the police came and we are in arrears."
    assert asb_signs([text]) == ["noise", "banged", "police came", "arrears"]
    assert asb_signs(["anti\u2011social behaviour"]) == ["anti\u2011social"]
