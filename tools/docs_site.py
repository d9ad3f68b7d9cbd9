#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The docs site: build it offline, then look at every page in headless Chromium.

    python tools/docs_site.py build [--out build/docs]     # make docs
    python tools/docs_site.py check [--out build/docs]     # the built site in a real browser
    python tools/docs_site.py all   [--out build/docs]     # both (the docs step of make test)

build: ``antsibull-docs sphinx-init`` (the Sphinx project), ``antsibull-docs collection`` (one reStructuredText
page per module, plugin and role, and the indexes), the guides ``docs/*.md`` as they are (MyST), then
``sphinx-build -W -n``: any warning (a broken cross-reference, an unknown code language, a page outside every
toctree) fails the build. Offline: no intersphinx fetch (the few labels of the Ansible docs that generated pages
refer to come from a small local inventory, ANSIBLE_DOCS_TARGETS) and the theme needs nothing remote.
The collection comes from ANSIBLE_COLLECTIONS_PATH / CI_BUILD_ROOT (``tools/ci_steps.py --only copy`` makes it).

check: serves ``<out>/html`` on 127.0.0.1 from a thread, opens every page in ONE headless Chromium driven over the
DevTools protocol (websockets; two tabs loading at once), and judges the DOM after load: title, rendered main content, a module's options
table (every option its documentation declares), a role's argument-spec options, a guide's code examples, the
index listing every module, every internal link and #anchor, no failed or non-local request, no script error.
Screenshots of the index and of cloud_cluster's page go to ``<out>/screenshots/``.
"""

import argparse
import ast
import base64
import functools
import glob
import html.parser
import http.server
import json
import os
import posixpath
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
import zlib
from urllib.parse import unquote, urlsplit

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(os.path.abspath(sys.executable))
COLLECTION = "cockroachdb.cockroachdb"
PAGES_DIR = "collections/cockroachdb/cockroachdb"  # where antsibull-docs puts the plugin and role pages
# plugin directories whose files have no page of their own (filter and test files may hold several plugins, each
# with a page named after it, not after the file)
SOURCE_ONLY_PLUGIN_DIRS = ("modules", "module_utils", "doc_fragments", "action", "plugin_utils", "filter", "test")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--hide-scrollbars", "--window-size=1280,1000"]
# page: [(PNG name, element id to scroll to first, or None for the top of the page)]
SCREENSHOTS = {"index.html": [("index.png", None)],
               PAGES_DIR + "/cloud_cluster_module.html": [("cloud_cluster.png", None),
                                                          ("cloud_cluster-parameters.png", "parameters")]}
# Options that a page must show besides those read from its own documentation (doc fragments included).
REQUIRED_OPTIONS = {PAGES_DIR + "/cloud_cluster_module.html": ["name", "plan", "api_key"],
                    PAGES_DIR + "/health_wait_role.html": ["health_wait_timeout"]}

# Labels of the Ansible documentation that generated pages refer to; resolved from a local inventory so that the
# build never fetches one. A new unresolved label fails the build: add it here (name, role, path#anchor, title).
ANSIBLE_DOCS_URL = "https://docs.ansible.com/projects/ansible/devel/"
ANSIBLE_DOCS_TARGETS = [
    ("common_return_values", "std:label", "reference_appendices/common_return_values.html#common-return-values",
     "Return Values"),
    ("action_plugins", "std:label", "plugins/action.html#action-plugins", "Action plugins"),
    ("ansible_configuration_settings", "std:label", "reference_appendices/config.html#ansible-configuration-settings",
     "Ansible Configuration Settings"),
] + [(name, "std:envvar", "reference_appendices/config.html#envvar-" + name, "-")
     for name in ("ANSIBLE_CACHE_PLUGIN", "ANSIBLE_CACHE_PLUGIN_CONNECTION", "ANSIBLE_CACHE_PLUGIN_PREFIX",
                  "ANSIBLE_CACHE_PLUGIN_TIMEOUT")]

CONF_EXTRA = '''
# -- added by tools/docs_site.py: offline, the guides in Markdown ----------------------------------------
extensions = [name for name in extensions if name != 'sphinx.ext.intersphinx'] + ['sphinx.ext.intersphinx', 'myst_parser']
intersphinx_mapping = {'ansible_devel': (%r, %r)}
intersphinx_timeout = 1
source_suffix = {'.rst': 'restructuredtext', '.md': 'markdown'}
myst_heading_anchors = 3
project = 'cockroachdb.cockroachdb'
copyright = 'Contributors to the cockroachdb.cockroachdb collection'
html_title = 'cockroachdb.cockroachdb'
html_short_title = 'cockroachdb.cockroachdb'
'''

INDEX_RST = """.. _docsite_root_index:

cockroachdb.cockroachdb
=======================

Manage CockroachDB Cloud and read the live state of any CockroachDB cluster through the Cluster API v2, run
health-gated rolling restarts and upgrades, and test it all against the bundled emulator.

.. toctree::
   :maxdepth: 1
   :caption: Guides
   :glob:

   guides/getting-started
   guides/*

%(listing)s
.. toctree::
   :maxdepth: 1
   :caption: Reference

   collections/cockroachdb/cockroachdb/index

.. toctree::
   :maxdepth: 1
   :caption: Indexes
   :glob:

   collections/index
   collections/index_*
   collections/environment_variables
"""


def rst_text(text):
    """Plain text for reStructuredText (no inline markup)."""
    for char in ("\\", "*", "`", "|", "_"):
        text = text.replace(char, "\\" + char)
    return " ".join(text.split())


def index_rst(coll_dir):
    """The front page: the guides, then every module (by action group), plugin and role with its summary."""
    with open(os.path.join(coll_dir, "meta", "runtime.yml"), encoding="utf-8") as handle:
        groups = (_yaml().safe_load(handle) or {}).get("action_groups") or {}
    titles = {"cloud": "Cloud API modules", "cluster": "Cluster API v2 modules"}
    sections = []  # (title, [(name, doc path, summary)])
    grouped = set()
    modules = {}
    for path in sorted(glob.glob(os.path.join(coll_dir, "plugins", "modules", "*.py"))):
        name = os.path.basename(path)[:-3]
        doc = _yaml().safe_load(python_constants(path).get("DOCUMENTATION") or "{}") or {}
        modules[name] = (name, "%s/%s_module" % (PAGES_DIR, name), doc.get("short_description", ""))
    for group in sorted(groups):
        members = [modules[name] for name in groups[group] if name in modules]
        grouped.update(groups[group])
        sections.append(("%s (``group/%s.%s``)" % (titles.get(group, group), COLLECTION, group), members))
    rest = [entry for name, entry in sorted(modules.items()) if name not in grouped]
    if rest:
        sections.append(("Other modules", rest))
    plugins = []
    for path in sorted(glob.glob(os.path.join(coll_dir, "plugins", "*", "*.py"))):
        kind = os.path.basename(os.path.dirname(path))
        name = os.path.basename(path)[:-3]
        if kind in SOURCE_ONLY_PLUGIN_DIRS or name.startswith("_"):
            continue
        doc = _yaml().safe_load(python_constants(path).get("DOCUMENTATION") or "{}") or {}
        plugins.append(("%s (%s plugin)" % (name, kind), "%s/%s_%s" % (PAGES_DIR, name, kind),
                        doc.get("short_description", "")))
    if plugins:
        sections.append(("Plugins", plugins))
    roles = []
    for spec_path in sorted(glob.glob(os.path.join(coll_dir, "roles", "*", "meta", "argument_specs.yml"))):
        name = os.path.basename(os.path.dirname(os.path.dirname(spec_path)))
        with open(spec_path, encoding="utf-8") as handle:
            specs = (_yaml().safe_load(handle) or {}).get("argument_specs") or {}
        roles.append((name, "%s/%s_role" % (PAGES_DIR, name), (specs.get("main") or {}).get("short_description", "")))
    if roles:
        sections.append(("Roles", roles))
    lines = []
    for title, entries in sections:
        lines += [title, "-" * len(title), ""]
        lines += ["- :doc:`%s <%s>`: %s" % (name, doc, rst_text(summary)) for name, doc, summary in entries]
        lines.append("")
    return INDEX_RST % {"listing": "\n".join(lines)}


def log(message):
    print(message, flush=True)


def run(cmd, cwd=ROOT, env=None):
    log("+ %s" % " ".join(cmd))
    full_env = dict(os.environ)
    full_env["PATH"] = BIN + os.pathsep + full_env.get("PATH", "")
    full_env["ANSIBLE_NOCOLOR"] = "1"
    full_env.update(env or {})
    return subprocess.call(cmd, cwd=cwd, env=full_env)


# -- build ----------------------------------------------------------------------------------------------------

def write_inventory(path, targets=None, base_url=ANSIBLE_DOCS_URL):
    """A Sphinx objects.inv (version 2) holding ``targets``: the offline stand-in for the Ansible docs' one."""
    lines = ["%s %s -1 %s %s\n" % (name, role, uri, title) for name, role, uri, title in (targets or ANSIBLE_DOCS_TARGETS)]
    with open(path, "wb") as handle:
        handle.write(("# Sphinx inventory version 2\n# Project: Ansible\n# Version: devel\n"
                      "# The remainder of this file is compressed using zlib.\n").encode("utf-8"))
        handle.write(zlib.compress("".join(lines).encode("utf-8")))
    return base_url


def guide_files(docs_dir):
    """Every guide: docs/*.md (by glob, so that guides added later are in the site too)."""
    return sorted(glob.glob(os.path.join(docs_dir, "*.md")))


def build(out, coll_root=None, docs_dir=None):
    """Build the HTML site into ``<out>/html``; 0 when Sphinx had nothing to warn about."""
    coll_root = coll_root or os.environ.get("ANSIBLE_COLLECTIONS_PATH") or os.environ.get("CI_BUILD_ROOT")
    if not coll_root:
        log("docs build: set CI_BUILD_ROOT (or ANSIBLE_COLLECTIONS_PATH) to the collection copy")
        return 2
    coll_dir = os.path.join(coll_root, "ansible_collections", "cockroachdb", "cockroachdb")
    docs_dir = docs_dir or os.path.join(coll_dir, "docs")
    env = {"ANSIBLE_COLLECTIONS_PATH": coll_root}
    if os.path.isdir(out):
        shutil.rmtree(out)
    os.makedirs(out)
    index_source = os.path.join(out, "index-source.rst")
    with open(index_source, "w", encoding="utf-8") as handle:
        handle.write(index_rst(coll_dir))
    started = time.monotonic()
    rc = run([os.path.join(BIN, "antsibull-docs"), "sphinx-init", "--use-current", "--dest-dir", out,
              "--index-rst-source", index_source, "--project", COLLECTION, COLLECTION], env=env)
    if rc:
        return rc
    rst = os.path.join(out, "rst")
    rc = run([os.path.join(BIN, "antsibull-docs"), "--config-file", os.path.join(out, "antsibull-docs.cfg"),
              "collection", "--use-current", "--fail-on-error", "--dest-dir", rst, COLLECTION], env=env)
    if rc:
        return rc
    guides = os.path.join(rst, "guides")
    os.makedirs(guides)
    for path in guide_files(docs_dir):
        shutil.copyfile(path, os.path.join(guides, os.path.basename(path)))
    inventory = os.path.join(out, "ansible_devel.inv")
    write_inventory(inventory)
    with open(os.path.join(out, "conf.py"), "a", encoding="utf-8") as handle:
        handle.write(CONF_EXTRA % (ANSIBLE_DOCS_URL, inventory))
    log("antsibull-docs: %.1fs" % (time.monotonic() - started))
    started = time.monotonic()
    warnings = os.path.join(out, "sphinx-warnings.txt")
    rc = run([os.path.join(BIN, "sphinx-build"), "-b", "html", "-c", out, "-W", "-n", "--keep-going", "-q",
              "-w", warnings, rst, os.path.join(out, "html")], env=env)
    failed = "" if rc == 0 else " (FAILED: warnings in %s)" % warnings
    log("sphinx-build: %.1fs, %d pages%s" % (time.monotonic() - started, len(html_pages(os.path.join(out, "html"))), failed))
    if rc and os.path.isfile(warnings):
        with open(warnings, encoding="utf-8") as handle:
            log("".join(handle.readlines()[:60]).rstrip())
    return rc


# -- what each page must show, read from the sources ---------------------------------------------------------

def _yaml():
    import yaml  # pylint: disable=import-outside-toplevel
    return yaml


def python_constants(path):
    """String constants assigned at module level or in a class body (DOCUMENTATION, fragment attributes)."""
    with open(path, encoding="utf-8") as handle:
        tree = ast.parse(handle.read())
    found = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found[target.id] = node.value.value
    return found


def documented_options(plugin_path, coll_dir):
    """Top-level option names of a plugin: its own DOCUMENTATION and this collection's doc fragments."""
    doc = _yaml().safe_load(python_constants(plugin_path).get("DOCUMENTATION") or "{}") or {}
    names = set(doc.get("options") or {})
    fragments = doc.get("extends_documentation_fragment") or []
    for fragment in [fragments] if isinstance(fragments, str) else fragments:
        if not fragment.startswith(COLLECTION + "."):
            continue  # ansible.builtin's fragments are theirs to render
        parts = fragment[len(COLLECTION) + 1:].split(".")
        source = os.path.join(coll_dir, "plugins", "doc_fragments", parts[0] + ".py")
        text = python_constants(source).get(parts[1] if len(parts) > 1 else "DOCUMENTATION") or "{}"
        names.update((_yaml().safe_load(text) or {}).get("options") or {})
    return sorted(names)


def fenced_blocks(markdown):
    """Number of fenced code blocks in a Markdown text."""
    count, fence = 0, None
    for line in markdown.splitlines():
        stripped = line.strip()
        if fence is None and (stripped.startswith("```") or stripped.startswith("~~~")):
            fence = stripped[:3]
            count += 1
        elif fence is not None and stripped.startswith(fence) and not stripped[3:].strip("`~"):
            fence = None
    return count


def first_heading(markdown):
    """The text of a Markdown file's title (inline markup dropped, as a browser shows it)."""
    for line in markdown.splitlines():
        if line.startswith("# "):
            return " ".join(line[2:].replace("`", "").replace("**", "").split())
    return None


def expectations(coll_dir, docs_dir=None):
    """{page path: what it must show} for every module, plugin, role and guide of the collection copy."""
    docs_dir = docs_dir or os.path.join(coll_dir, "docs")
    pages = {}
    modules = sorted(os.path.basename(p)[:-3] for p in glob.glob(os.path.join(coll_dir, "plugins", "modules", "*.py"))
                     if not os.path.basename(p).startswith("_"))
    for name in modules:
        page = "%s/%s_module.html" % (PAGES_DIR, name)
        pages[page] = {"kind": "module", "name": name, "options": documented_options(
            os.path.join(coll_dir, "plugins", "modules", name + ".py"), coll_dir)}
    for path in sorted(glob.glob(os.path.join(coll_dir, "plugins", "*", "*.py"))):
        kind = os.path.basename(os.path.dirname(path))
        name = os.path.basename(path)[:-3]
        if kind in SOURCE_ONLY_PLUGIN_DIRS or name.startswith("_"):
            continue
        pages["%s/%s_%s.html" % (PAGES_DIR, name, kind)] = {
            "kind": kind, "name": name, "options": documented_options(path, coll_dir)}
    for spec_path in sorted(glob.glob(os.path.join(coll_dir, "roles", "*", "meta", "argument_specs.yml"))):
        name = os.path.basename(os.path.dirname(os.path.dirname(spec_path)))
        with open(spec_path, encoding="utf-8") as handle:
            specs = (_yaml().safe_load(handle) or {}).get("argument_specs") or {}
        options = sorted({option for entry in specs.values() for option in (entry.get("options") or {})})
        pages["%s/%s_role.html" % (PAGES_DIR, name)] = {
            "kind": "role", "name": name, "options": options, "entry_points": sorted(specs)}
    for path in guide_files(docs_dir):
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        name = os.path.basename(path)[:-3]
        pages["guides/%s.html" % name] = {"kind": "guide", "name": name, "code_blocks": fenced_blocks(text),
                                          "heading": first_heading(text)}
    for page, names in REQUIRED_OPTIONS.items():
        if page in pages:
            pages[page]["options"] = sorted(set(pages[page]["options"]) | set(names))
    plugin_pages = sorted(page for page, want in pages.items() if want["kind"] != "guide")
    guide_pages = sorted(page for page, want in pages.items() if want["kind"] == "guide")
    pages["index.html"] = {"kind": "index", "links": plugin_pages + guide_pages + [PAGES_DIR + "/index.html"]}
    pages[PAGES_DIR + "/index.html"] = {"kind": "index", "links": [posixpath.basename(p) for p in plugin_pages]}
    pages["search.html"] = {"kind": "search"}
    return pages


# -- the DOM of one page, as plain data (pure functions: the unit tests feed them HTML) ------------------------

class PageParser(html.parser.HTMLParser):
    """Title, ids, links, option titles in option tables, code blocks and main text of one HTML document."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []  # (tag, classes)
        self.title = ""
        self.ids = set()
        self.links = []
        self.option_titles = []
        self.code_blocks = 0
        self.h1 = []
        self.main_text = []
        self._option_title = None
        self._code = None
        self._h1 = None

    def _inside(self, tag=None, cls=None, attr=None):
        for name, classes, attrs in self.stack:
            if (tag is None or name == tag) and (cls is None or cls in classes) and \
                    (attr is None or attrs.get(attr[0]) == attr[1]):
                return True
        return False

    def handle_starttag(self, tag, attrs):
        attrs = dict((key, value or "") for key, value in attrs)
        classes = attrs.get("class", "").split()
        for key in ("id", "name"):
            if attrs.get(key) and (key == "id" or tag == "a"):
                self.ids.add(attrs[key])
        if tag == "a" and "href" in attrs:
            self.links.append(attrs["href"])
        if tag == "p" and "ansible-option-title" in classes and self._inside("table", "ansible-option-table"):
            self._option_title = []
        if tag == "pre" and self._inside(cls="highlight"):
            self._code = []
        if tag == "h1":
            self._h1 = []
        if tag not in self.VOID:
            self.stack.append((tag, classes, attrs))

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        while self.stack:
            name = self.stack.pop()[0]
            if tag == "p" and name == "p" and self._option_title is not None:
                self.option_titles.append("".join(self._option_title).strip())
                self._option_title = None
            if tag == "pre" and name == "pre" and self._code is not None:
                if "".join(self._code).strip():
                    self.code_blocks += 1
                self._code = None
            if tag == "h1" and name == "h1" and self._h1 is not None:
                self.h1.append("".join(self._h1).strip())
                self._h1 = None
            if name == tag:
                break

    def handle_data(self, data):
        if self._inside("title"):
            self.title += data
        for buf in (self._option_title, self._code, self._h1):
            if buf is not None:
                buf.append(data)
        if self._inside(attr=("role", "main")) and not self._inside("script") and not self._inside("style"):
            self.main_text.append(data)


def parse_page(text):
    parser = PageParser()
    parser.feed(text)
    parser.close()
    return {"title": " ".join(parser.title.split()), "ids": parser.ids, "links": parser.links,
            "options": parser.option_titles, "code_blocks": parser.code_blocks,
            "h1": [" ".join("".join(c for c in h if unicodedata.category(c) != "Co").split()) for h in parser.h1],
            "main_text": " ".join("".join(parser.main_text).split())}


def page_problems(path, page, want=None, rendered=None):
    """What is wrong with one page: ``page`` from parse_page, ``want`` from expectations(), ``rendered`` the
    browser's figures ({"main_height": px, "errors": [...]}, None without a browser). A list of sentences."""
    problems = []
    title = page["title"]
    if not title or title.startswith("<no title>"):
        problems.append("no title")
    if len(page["main_text"]) < 20:
        problems.append("no main content (%d characters of text in the role=main element)" % len(page["main_text"]))
    if rendered is not None:
        if rendered.get("main_height", 0) < (20 if (want or {}).get("kind") == "search" else 50):
            problems.append("main content not laid out (%s px high)" % rendered.get("main_height"))
        problems.extend(rendered.get("errors") or [])
    want = want or {}
    kind = want.get("kind")
    if kind not in (None, "guide", "index", "search") and want.get("options"):
        if not page["options"]:
            problems.append("no options table")
        shown = set(name.split("=")[0].strip() for name in page["options"])
        missing = [name for name in want.get("options") or [] if name not in shown]
        if page["options"] and missing:
            problems.append("options table lacks %s" % ", ".join(missing))
    if kind == "role":
        for entry in want.get("entry_points") or []:
            if not any(anchor.startswith("parameter-%s--" % entry) for anchor in page["ids"]):
                problems.append("no argument spec for entry point %s" % entry)
    if kind == "guide":
        if page["code_blocks"] < want.get("code_blocks", 0):
            problems.append("%d rendered code blocks, the guide has %d" % (page["code_blocks"], want["code_blocks"]))
        if want.get("heading") and want["heading"] not in page["h1"]:
            problems.append("heading %r not shown (h1: %s)" % (want["heading"], ", ".join(page["h1"]) or "none"))
    if kind == "index":
        targets = set(resolve(path, href)[0] for href in page["links"])
        base = posixpath.dirname(path)
        missing = [link for link in want.get("links") or [] if posixpath.normpath(posixpath.join(base, link)) not in targets]
        if missing:
            problems.append("index does not link %s" % ", ".join(missing))
    return problems


def resolve(path, href):
    """(site path, fragment) of a link on page ``path``; (None, None) for a link that leaves the site."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or href.startswith("//"):
        return (None, None)
    target = unquote(parts.path)
    if not target:
        target = path
    elif target.startswith("/"):
        target = target.lstrip("/")
    else:
        target = posixpath.normpath(posixpath.join(posixpath.dirname(path), target))
    if target in ("", ".") or parts.path.endswith("/"):
        target = posixpath.join(target.strip("."), "index.html").lstrip("/")
    return (target, unquote(parts.fragment))


def link_problems(pages, files=()):
    """Broken internal links over the whole site: ``pages`` {path: parse_page()} (the rendered DOMs), ``files``
    every other file the site serves. {page path: [sentences]} for pages with a broken link or #anchor."""
    found = {}
    files = set(files)
    for path, page in sorted(pages.items()):
        broken = []
        for href in page["links"]:
            target, fragment = resolve(path, href)
            if target is None:
                continue
            if target not in pages and target not in files:
                broken.append("broken link %s (no page %s)" % (href, target))
            elif fragment and target in pages and fragment not in pages[target]["ids"]:
                broken.append("broken anchor %s (no #%s on %s)" % (href, fragment, target))
        if broken:
            found[path] = sorted(set(broken))
    return found


def html_pages(html_dir):
    found = []
    for base, dirs, files in os.walk(html_dir):
        dirs[:] = [name for name in dirs if not name.startswith("_")]
        found.extend(os.path.relpath(os.path.join(base, name), html_dir).replace(os.sep, "/")
                     for name in files if name.endswith(".html"))
    return sorted(found)


def site_files(html_dir):
    found = []
    for base, dummy, files in os.walk(html_dir):
        found.extend(os.path.relpath(os.path.join(base, name), html_dir).replace(os.sep, "/") for name in files)
    return found


# -- Chromium -------------------------------------------------------------------------------------------------

def apt_install(package):
    """Debian's ``package`` with apt-get (as root, or through sudo -n; ``apt-get update`` first only when apt does not
    know it yet). True when apt-get said it is installed. Also used by make test's eda step (a JRE)."""
    prefix = [] if os.geteuid() == 0 else ["sudo", "-n"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    install = prefix + ["apt-get", "install", "-y", "-q", "--no-install-recommends", "-o", "DPkg::Lock::Timeout=600",
                        package]
    started = time.monotonic()
    log("+ %s" % " ".join(install))
    rc = subprocess.call(install, env=env, stdout=subprocess.DEVNULL)
    if rc != 0:
        log("%s unknown to apt: apt-get update first" % package)
        subprocess.call(prefix + ["apt-get", "update", "-q", "-o", "DPkg::Lock::Timeout=600"], env=env,
                        stdout=subprocess.DEVNULL)
        rc = subprocess.call(install, env=env, stdout=subprocess.DEVNULL)
    log("%s install: %.1fs" % (package, time.monotonic() - started))
    return rc == 0


def ensure_chromium():
    """Debian's chromium, installed when missing (idempotent). Its path, or None.
    Cheap when present; about 20 s to install on a fresh machine, so make test starts it early in a thread."""
    if not os.access(CHROMIUM, os.X_OK):
        apt_install("chromium")
    return CHROMIUM if os.access(CHROMIUM, os.X_OK) else None


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    missing = None  # a list shared with the server's owner

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        pass

    def send_error(self, code, message=None, explain=None):
        if self.missing is not None and self.path != "/favicon.ico":  # asked by the browser itself, not by a page
            self.missing.append("%s %s" % (code, self.path))
        super().send_error(code, message, explain)


class Browser:
    """One headless Chromium for every page, driven over the DevTools protocol (a websocket on loopback); ``tabs``
    pages load at once (one renderer each), the answers are read as each load ends."""

    def __init__(self, executable=CHROMIUM, timeout=30.0, tabs=2):
        self.executable = executable
        self.timeout = timeout
        self.tabs = tabs
        self.profile = None
        self.process = None
        self.socket = None
        self.sessions = []
        self.next_id = 0
        self.replies = {}
        self.events = {}  # session id -> its events since its last navigation

    def __enter__(self):
        from websockets.sync.client import connect  # pylint: disable=import-outside-toplevel
        self.profile = tempfile.mkdtemp(prefix="docs-chromium-")
        self.process = subprocess.Popen([self.executable] + CHROMIUM_FLAGS + [  # pylint: disable=consider-using-with
            "--user-data-dir=" + self.profile, "--remote-debugging-port=0", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = os.path.join(self.profile, "DevToolsActivePort")
        deadline = time.monotonic() + self.timeout
        while not os.path.isfile(port_file) or os.path.getsize(port_file) == 0:
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.__exit__(None, None, None)
                raise RuntimeError("chromium did not start (exit %s)" % self.process.poll())
            time.sleep(0.05)
        with open(port_file, encoding="utf-8") as handle:
            port, path = handle.read().split()[:2]
        self.socket = connect("ws://127.0.0.1:%s%s" % (port, path), max_size=None, open_timeout=self.timeout)
        for dummy in range(self.tabs):
            target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
            session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            self.events[session] = []
            for domain in ("Page", "Network", "Runtime"):
                self.call(domain + ".enable", session=session)
            self.sessions.append(session)
        return self

    def __exit__(self, *exc):
        if self.socket is not None:
            self.socket.close()
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.profile:
            shutil.rmtree(self.profile, ignore_errors=True)
        return False

    def _pump(self, deadline):
        """Read one message: a reply (kept by id) or an event (kept per session)."""
        message = json.loads(self.socket.recv(timeout=max(0.1, deadline - time.monotonic())))
        if "id" in message:
            self.replies[message["id"]] = message
        elif message.get("sessionId") in self.events:
            self.events[message["sessionId"]].append(message)

    def call(self, method, params=None, session=None):
        self.next_id += 1
        ident = self.next_id
        message = {"id": ident, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self.socket.send(json.dumps(message))
        deadline = time.monotonic() + self.timeout
        while ident not in self.replies:
            self._pump(deadline)
        reply = self.replies.pop(ident)
        if "error" in reply:
            raise RuntimeError("%s: %s" % (method, reply["error"].get("message")))
        return reply.get("result") or {}

    def evaluate(self, session, expression):
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True}, session)
        if "exceptionDetails" in result:
            raise RuntimeError("script failed: %s" % result["exceptionDetails"].get("text"))
        return result["result"].get("value")

    def visit(self, urls):
        """Yield (session, url, DOM after load, figures) for each of ``urls``, as their loads end. Figures: the main
        content's height, and the failed or non-local requests and script errors of that page."""
        queue = list(urls)
        loading = {}  # session -> url

        def start(session):
            url = queue.pop(0)
            self.events[session] = []
            self.call("Page.navigate", {"url": url}, session)
            loading[session] = url

        for session in self.sessions:
            if queue:
                start(session)
        while loading:
            deadline = time.monotonic() + self.timeout
            done = None
            while done is None:
                done = next((session for session in loading if any(
                    event["method"] == "Page.loadEventFired" for event in self.events[session])), None)
                if done is None:
                    if time.monotonic() > deadline:
                        waiting = ", ".join(loading.values())
                        raise TimeoutError("no load event within %.0fs for %s" % (self.timeout, waiting))
                    self._pump(deadline)
            url = loading.pop(done)
            state = self.evaluate(done, """(() => {
                const main = document.querySelector('[role=main]');
                return {html: document.documentElement.outerHTML, title: document.title,
                        main_height: main ? main.getBoundingClientRect().height : 0};
            })()""")
            yield done, url, state["html"], {"main_height": state["main_height"],
                                             "errors": page_errors(url, self.events[done])}
            if queue:
                start(done)

    def screenshot(self, session, path, anchor=None):
        if anchor:
            self.evaluate(session, "document.getElementById(%s).scrollIntoView()" % json.dumps(anchor))
        data = self.call("Page.captureScreenshot", {"format": "png"}, session)["data"]
        with open(path, "wb") as handle:
            handle.write(base64.b64decode(data))


def page_errors(url, events):
    """Failed or non-local requests, HTTP errors and script errors among the DevTools events of one page load."""
    origin = "%s://%s/" % tuple(urlsplit(url)[:2])
    requested = {}
    errors = []
    for event in events:
        params = event.get("params") or {}
        if (params.get("response") or params.get("request") or {}).get("url") == origin + "favicon.ico":
            continue  # asked by the browser itself when a page declares no icon
        if event["method"] == "Network.requestWillBeSent":
            request_url = params["request"]["url"]
            requested[params["requestId"]] = request_url
            if not request_url.startswith((origin, "data:", "about:", "blob:")):
                errors.append("non-local request %s" % request_url)
        elif event["method"] == "Network.loadingFailed" and not params.get("canceled"):
            failed = requested.get(params["requestId"], "?")
            errors.append("failed request %s (%s)" % (failed, params.get("errorText")))
        elif event["method"] == "Network.responseReceived" and params["response"]["status"] >= 400:
            errors.append("HTTP %s for %s" % (params["response"]["status"], params["response"]["url"]))
        elif event["method"] == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails") or {}
            errors.append("script error: %s" % ((details.get("exception") or {}).get("description")
                                                or details.get("text")))
    return errors


def check(out, coll_dir, executable=None, wanted=None, tabs=2):
    """Every page of ``<out>/html`` in one headless Chromium; 0 when every page renders and every link resolves.
    ``wanted``: what each page must show (default: expectations() of the collection copy ``coll_dir``)."""
    html_dir = os.path.join(out, "html")
    executable = executable or ensure_chromium()
    if not executable:
        log("docs check: no chromium (apt-get install chromium failed)")
        return 1
    paths = html_pages(html_dir)
    if not paths:
        log("docs check: no pages in %s (run the build first)" % html_dir)
        return 1
    if wanted is None:
        wanted = expectations(coll_dir)
    shots = os.path.join(out, "screenshots")
    os.makedirs(shots, exist_ok=True)
    missing = []
    handler = functools.partial(type("Handler", (QuietHandler,), {"missing": missing}), directory=html_dir)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = "http://127.0.0.1:%d/" % server.server_address[1]
    started = time.monotonic()
    pages, problems = {}, {}
    try:
        with Browser(executable, tabs=tabs) as browser:
            log("docs check: chromium up in %.1fs, %d pages at %s, %d at a time" % (
                time.monotonic() - started, len(paths), base, tabs))
            for session, url, text, rendered in browser.visit(base + path for path in paths):
                path = url[len(base):]
                page = parse_page(text)
                pages[path] = page
                found = page_problems(path, page, wanted.get(path), rendered)
                if found:
                    problems[path] = found
                for name, anchor in SCREENSHOTS.get(path, ()):
                    browser.screenshot(session, os.path.join(shots, name), anchor)
    except (RuntimeError, TimeoutError) as exc:
        problems["(browser)"] = ["stopped: %s" % exc]
    finally:
        server.shutdown()
        server.server_close()
    for path in sorted(set(wanted) - set(paths)):
        problems.setdefault(path, []).append("page missing from the site")
    for path, broken in link_problems(pages, site_files(html_dir)).items():
        problems.setdefault(path, []).extend(broken)
    if missing:
        problems.setdefault("(server)", []).extend(sorted(set(missing)))
    for path in sorted(problems):
        log("docs check: %s: %s" % (path, "; ".join(problems[path])))
    links = sum(len(page["links"]) for page in pages.values())
    options = sum(len(page["options"]) for page in pages.values())
    log("docs check: %d rendered pages checked (%d links, %d option rows), %d with problems, screenshots in %s, "
        "%.1fs" % (len(pages), links, options, len(problems), shots, time.monotonic() - started))
    return 1 if problems else 0


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=("build", "check", "all", "ensure-chromium"))
    parser.add_argument("--out", default=os.path.join(ROOT, "build", "docs"))
    parser.add_argument("--collections", default=None, help="the collection copy's root (default: CI_BUILD_ROOT)")
    parser.add_argument("--tabs", type=int, default=2, help="pages loading at once in the one browser (default 2)")
    args = parser.parse_args(argv)
    coll_root = args.collections or os.environ.get("CI_BUILD_ROOT") or os.environ.get("ANSIBLE_COLLECTIONS_PATH")
    # what the pages must show comes from the collection copy, or from this checkout (the same layout)
    coll_dir = os.path.join(coll_root, "ansible_collections", "cockroachdb", "cockroachdb") if coll_root else ROOT
    if args.action == "ensure-chromium":
        return 0 if ensure_chromium() else 1
    rc = 0
    if args.action in ("build", "all"):
        rc = build(args.out, coll_root)
        if rc == 0:
            log("HTML site in %s" % os.path.join(args.out, "html", "index.html"))
    if args.action in ("check", "all") and rc == 0:
        rc = check(args.out, coll_dir, tabs=args.tabs)
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
