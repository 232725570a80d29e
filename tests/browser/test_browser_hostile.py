import pytest
pytestmark = pytest.mark.browser

CTRL = "".join(chr(c) for c in range(1, 32) if c not in (9, 10, 13))

def test_explore(new_context, live_server):
    ctx = new_context(bypass_csp=True)
    page = ctx.new_page()
    page.goto("/en/tell-us/agency")
    v = "a\x00b" + CTRL + "\u202eX\u2066Y\u2069\u200b\u200d😀ŵŷ\t"
    for sel in ("#org_name", "#story", "#work_email", "#work_phone"):
        page.fill(sel, v)
        got = page.input_value(sel)
        print(sel, repr(got), got == v)
    page.fill("#work_email", "<script>x</script>{{7*7}}\u202e@example.org")
    print(repr(page.input_value("#work_email")))
    page.fill("#work_email", "ŵŷ@exämple.org")
    print(repr(page.input_value("#work_email")))
    page.evaluate("document.querySelector('#story').value = 'a\\r\\nb\\rc'")
    print(repr(page.input_value("#story")))
    page.set_content("<div style='width:600px'><dl><dd><span class=u>abc\u202edef</span>, <span class=u dir=auto>x</span> <bdi>y</bdi> <span dir=ltr>z</span></dd></dl><p>q</p></div>")
    print(page.evaluate("[...document.querySelectorAll('span,bdi,dd,p')].map(e => e.tagName + ':' + getComputedStyle(e).unicodeBidi)"))
