import pytest, time, json
pytestmark = pytest.mark.browser

def test_probe(new_context, live_server):
    ctx = new_context(allow_problems=True)
    page = ctx.new_page()
    page.goto("/cy/no-such-page")
    print("404 cy lang", page.evaluate("document.documentElement.lang"), page.title())
    page.goto("/cy/tell-us/nothing")
    print("404 cy slug lang", page.evaluate("document.documentElement.lang"), page.title())
    page.goto("/en/who")
    page.keyboard.press("Tab"); page.keyboard.press("Tab"); page.keyboard.press("Tab")
    print("focused", page.evaluate("document.activeElement.outerHTML"))
    page.keyboard.press("Space")
    page.wait_for_timeout(500)
    print("after space", page.url)
