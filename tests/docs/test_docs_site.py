# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The docs check can fail: pages missing what they must show, broken links and anchors (run by the docs step).

The DOM checks are pure functions on HTML text; one test runs the real check in headless Chromium on a tiny
broken site and one on a tiny sound site.
"""

import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))

import docs_site  # noqa: E402  pylint: disable=wrong-import-position,import-error

PAGE = """<!DOCTYPE html><html><head><title>%(title)s</title></head><body>
<nav><a href="/index.html">home</a></nav>
<div role="main" class="document"><section id="top"><h1>%(title)s<a class="headerlink" href="#top">\uf0c1</a></h1>
<p>Creates, updates and deletes the clusters of an organization.</p>
%(body)s
</section></div></body></html>"""
ROW = ('<tr><td><div class="ansible-option-cell"><div class="ansibleOptionAnchor" id="parameter-%s"></div>'
       '<p class="ansible-option-title"><strong>%s</strong></p></div></td><td><p>what it does</p></td></tr>')


def options_table(names, prefix=""):
    rows = "".join(ROW % (prefix + name, name) for name in names)
    return '<section id="parameters"><table class="longtable ansible-option-table"><tbody>%s</tbody></table></section>' % rows


def page(title="cloud_cluster module", body=""):
    return PAGE % {"title": title, "body": body}


MODULE = {"kind": "module", "name": "cloud_cluster", "options": ["api_key", "name", "plan"]}


def problems(html, want="module", path="collections/x/cloud_cluster_module.html", rendered=None):
    want = MODULE if want == "module" else want
    return docs_site.page_problems(path, docs_site.parse_page(html), want, rendered)


def test_module_page_with_its_options_table_passes():
    assert problems(page(body=options_table(["api_key", "name", "plan", "wait"]))) == []


def test_module_page_without_options_table_fails():
    assert problems(page(body="<p>No parameters rendered here, only prose.</p>")) == ["no options table"]


def test_module_page_missing_an_option_row_fails():
    assert problems(page(body=options_table(["api_key", "name"]))) == ["options table lacks plan"]


def test_options_outside_an_option_table_do_not_count():
    body = '<p class="ansible-option-title"><strong>name</strong></p>'
    assert "no options table" in problems(page(body=body))


def test_page_without_title_or_content_fails():
    found = problems("<html><head></head><body><div role='main'></div></body></html>", want=None)
    assert found == ["no title", "no main content (0 characters of text in the role=main element)"]


def test_browser_figures_fail_a_page():
    html = page(body=options_table(["api_key", "name", "plan"]))
    found = problems(html, rendered={"main_height": 0, "errors": ["failed request http://127.0.0.1/_static/x.css"]})
    assert found == ["main content not laid out (0 px high)", "failed request http://127.0.0.1/_static/x.css"]


def test_role_page_needs_each_entry_point():
    want = {"kind": "role", "options": ["health_wait_timeout"], "entry_points": ["main", "other"]}
    html = page("health_wait role", options_table(["health_wait_timeout"], prefix="main--"))
    assert problems(html, want) == ["no argument spec for entry point other"]
    html = page("health_wait role", options_table(["health_wait_interval"], prefix="main--"))
    assert problems(html, dict(want, entry_points=["main"])) == ["options table lacks health_wait_timeout"]


def test_guide_needs_its_code_blocks_and_heading():
    want = {"kind": "guide", "code_blocks": 2, "heading": "Getting started"}
    code = '<div class="highlight-sh notranslate"><div class="highlight"><pre>make demo</pre></div></div>'
    assert problems(page("Getting started", code * 2), want, path="guides/getting-started.html") == []
    assert problems(page("Getting started", code), want, path="guides/getting-started.html") == [
        "1 rendered code blocks, the guide has 2"]
    empty = '<div class="highlight"><pre>  </pre></div>'
    assert problems(page("Getting going", code + empty), want, path="guides/getting-started.html") == [
        "1 rendered code blocks, the guide has 2", "heading 'Getting started' not shown (h1: Getting going)"]


def test_index_must_link_every_module():
    want = {"kind": "index", "links": ["collections/x/a_module.html", "collections/x/b_module.html"]}
    html = page("index", '<a href="collections/x/a_module.html">a</a> <a href="https://example.org/b">b</a>')
    assert problems(html, want, path="index.html") == ["index does not link collections/x/b_module.html"]
    html = page("index", '<a href="collections/x/a_module.html">a</a> <a href="collections/x/b_module.html#top">b</a>')
    assert problems(html, want, path="index.html") == []


def test_broken_links_and_anchors_are_found():
    pages = {
        "index.html": docs_site.parse_page(page("index", '<a href="guides/a.html#top">a</a> <a href="guides/b.html">b</a>'
                                                '<a href="https://docs.ansible.com/x.html#y">out</a>'
                                                '<a href="_static/logo.png">logo</a> <a href="#nowhere">self</a>')),
        "guides/a.html": docs_site.parse_page(page("a", '<a href="../index.html#top">up</a> <a href="a.html#gone">x</a>'
                                                   '<a href="./">dir</a>')),
    }
    assert docs_site.link_problems(pages, ["_static/logo.png"]) == {
        "index.html": ["broken anchor #nowhere (no #nowhere on index.html)",
                       "broken link guides/b.html (no page guides/b.html)"],
        "guides/a.html": ["broken anchor a.html#gone (no #gone on guides/a.html)",
                          "broken link ./ (no page guides/index.html)"],
    }


def test_sound_links_pass():
    pages = {"index.html": docs_site.parse_page(page("index", '<a href="guides/a.html#top">a</a>')),
             "guides/a.html": docs_site.parse_page(page("a", '<a href="../index.html">up</a><a href="/index.html#top">'
                                                        'root</a>'))}
    assert docs_site.link_problems(pages) == {}


def test_expectations_from_the_collection_sources():
    wanted = docs_site.expectations(ROOT)
    cluster = wanted["collections/cockroachdb/cockroachdb/cloud_cluster_module.html"]
    assert {"name", "plan", "api_key"} <= set(cluster["options"])
    health_wait = wanted["collections/cockroachdb/cockroachdb/health_wait_role.html"]
    assert "health_wait_timeout" in health_wait["options"] and "main" in health_wait["entry_points"]
    assert wanted["guides/getting-started.html"]["code_blocks"] > 0
    modules = [path for path, want in wanted.items() if want["kind"] == "module"]
    assert len(modules) == len([name for name in os.listdir(os.path.join(ROOT, "plugins", "modules"))
                                if name.endswith(".py")])
    assert set(modules) <= set(wanted["index.html"]["links"])
    assert "collections/cockroachdb/cockroachdb/cluster_nodes_inventory.html" in wanted
    assert "collections/cockroachdb/cockroachdb/cluster_session_action.html" not in wanted


def test_fenced_blocks_and_headings_of_markdown():
    text = "# The `emulator`\n\n```sh\nmake demo\n```\n\n    indented\n\n~~~yaml\n```\nnot a fence end\n~~~\n"
    assert docs_site.fenced_blocks(text) == 2
    assert docs_site.first_heading(text) == "The emulator"


def test_local_inventory_is_one_sphinx_reads(tmp_path):
    from sphinx.util.inventory import InventoryFile  # pylint: disable=import-outside-toplevel
    path = str(tmp_path / "ansible.inv")
    docs_site.write_inventory(path)
    with open(path, "rb") as handle:
        inventory = InventoryFile.loads(handle.read(), uri=docs_site.ANSIBLE_DOCS_URL)
    assert "common_return_values" in inventory.data["std:label"]


def test_index_listing_escapes_summaries():
    assert docs_site.rst_text("a *b* `c` d_e") == "a \\*b\\* \\`c\\` d\\_e"


def write_site(out, files):
    for name, text in files.items():
        path = os.path.join(out, "html", name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)


@pytest.fixture(scope="module")
def chromium():
    found = docs_site.ensure_chromium()
    assert found, "chromium could not be installed"
    return found


def test_real_browser_fails_a_broken_site(tmp_path, capsys, chromium):
    out = str(tmp_path)
    write_site(out, {
        "index.html": page("index", '<a href="mod.html">mod</a> <a href="missing.html">gone</a> '
                                    '<a href="mod.html#parameters">params</a>'),
        "mod.html": page("cloud_cluster module", "<p>The options table did not render.</p>"),
    })
    wanted = {"index.html": {"kind": "index", "links": ["mod.html"]}, "mod.html": MODULE}
    assert docs_site.check(out, None, executable=chromium, wanted=wanted) == 1
    output = capsys.readouterr().out
    assert "mod.html: no options table" in output
    assert "broken link missing.html (no page missing.html)" in output
    assert "broken anchor mod.html#parameters (no #parameters on mod.html)" in output
    assert "2 rendered pages checked" in output


def test_real_browser_passes_a_sound_site(tmp_path, capsys, chromium):
    out = str(tmp_path)
    write_site(out, {
        "index.html": page("index", '<a href="mod.html">mod</a> <a href="mod.html#parameters">params</a>'),
        "mod.html": page("cloud_cluster module", options_table(["api_key", "name", "plan"])),
    })
    wanted = {"index.html": {"kind": "index", "links": ["mod.html"]}, "mod.html": MODULE}
    assert docs_site.check(out, None, executable=chromium, wanted=wanted) == 0, capsys.readouterr().out
