"""Markdown rendering: formatting survives, scripts and raw HTML tricks never do."""

import pytest

from rag_app.markdown import render_markdown


def test_markdown_formatting_is_rendered():
    html = render_markdown("# Plan\n\n**bold**, *it*, `code`\n\n- one\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |")
    assert "<h1>Plan</h1>" in html
    assert "<strong>bold</strong>" in html
    assert "<em>it</em>" in html
    assert "<code>code</code>" in html
    assert "<li>one</li>" in html
    assert "<td>1</td>" in html


def test_relative_and_https_links_are_kept():
    html = render_markdown("[passage](/documents/3/#chunk-3:0) and [site](https://example.org/x)")
    assert 'href="/documents/3/#chunk-3:0"' in html
    assert 'href="https://example.org/x"' in html
    assert 'rel="noopener noreferrer nofollow"' in html


@pytest.mark.parametrize(
    ("source", "forbidden"),
    [
        ("<script>alert('x')</script>", ["<script", "alert("]),
        ("<img src=x onerror=alert(1)>", ["<img", "onerror"]),
        ("[click](javascript:alert(1))", ["javascript:"]),
        ("[click](JaVaScRiPt:alert(1))", ["javascript:"]),
        ("[data](data:text/html;base64,PHNjcmlwdD4=)", ["data:"]),
        ('<a href="/x" onclick="steal()">x</a>', ["onclick", "steal()"]),
        ("<iframe src='https://evil.example'></iframe>", ["<iframe"]),
        ("<style>body { display: none }</style>", ["<style", "display: none"]),
        ("<svg onload=alert(1)></svg>", ["<svg", "onload"]),
        ('<p style="position:fixed">x</p>', ["style="]),
        ('<form action="/api/notes/"><input name="x"></form>', ["<form", "<input"]),
        ("<!-- <script>alert(1)</script> -->", ["<!--", "<script"]),
        ('<div id="chunk-note-1:0">clobber</div>', ['id="chunk']),
    ],
)
def test_dangerous_html_is_removed(source, forbidden):
    html = render_markdown(f"before\n\n{source}\n\nafter").lower()
    for bad in forbidden:
        assert bad.lower() not in html
    assert "before" in html
    assert "after" in html


def test_html_inside_code_is_shown_escaped_not_run():
    html = render_markdown("```\n<script>alert(1)</script>\n```")
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_markdown_template_filter_renders_and_sanitises():
    from django.template import Context, Template

    html = Template("{% load markdown %}{{ text|markdown }}").render(
        Context({"text": "**bold** <script>alert(1)</script> <img src=x onerror=alert(1)>"})
    )
    assert "<strong>bold</strong>" in html
    assert "<script" not in html
    assert "<img" not in html
    assert Template("{% load markdown %}{{ text|markdown }}").render(Context({"text": None})) == ""
