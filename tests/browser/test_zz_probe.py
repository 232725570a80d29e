import pytest, time, json
from pathlib import Path
import axe_playwright_python
AXE = Path(axe_playwright_python.__file__).with_name("axe.min.js")
pytestmark = pytest.mark.browser

def test_probe(new_context, live_server):
    ctx = new_context(allow_problems=True)
    page = ctx.new_page()
    page.on("console", lambda m: print("CONSOLE", m.type, m.text))
    page.on("response", lambda r: print("RESP", r.status, r.url))
    page.goto("/en/")
    try:
        page.add_script_tag(path=str(AXE))
        print("axe injected:", page.evaluate("typeof window.axe"))
    except Exception as e:
        print("inject failed", e)
    page.goto("/en/tell-us/you")
    page.fill("#story", "secret text")
    page.evaluate("localStorage.setItem('a','1'); sessionStorage.setItem('b','2')")
    print("cookies before", ctx.cookies())
    t=time.time()
    page.click(".exit-button")
    page.wait_for_url("**/__neutral")
    print("exit took", time.time()-t)
    print("cookies after", ctx.cookies())
    print("storage on neutral", page.evaluate("[localStorage.length, sessionStorage.length]"))
    page.go_back()
    print("back at", page.url, page.evaluate("document.documentElement.className"), page.title())
    print("storage after back", page.evaluate("[localStorage.length, sessionStorage.length]"))
    print("story after back", page.evaluate("document.querySelector('#story') && document.querySelector('#story').value"))
    # error summary anchor
    page.goto("/en/tell-us/you")
    page.check("#contact_methods-0")
    page.fill("#story", "keep me")
    page.click("button[value=send]")
    print("title", page.title(), page.url)
    page.click(".error-summary a >> nth=0")
    print("focused", page.evaluate("document.activeElement.id"))
