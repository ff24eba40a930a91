"""The HTML pages (feedback, report) from Jinja2 templates a course can replace.

Templates are searched in this order, so a course overrides one file and keeps
the rest:

1. ``<workspace>/templates/`` (one run of the course, e.g. this term's language),
2. ``<repo>/templates/`` (the course repository, shared by every term),
3. ``autograder/pipeline/templates/`` (shipped with the package).

``base.html`` holds the page frame and the style sheet; ``feedback.html`` and
``report.html`` extend it. Their sentences are written ``{{ _("Score:") }}`` and
``{{ _("due {time}", time=...) }}``: English, shown in the course's language
(``course.yml`` ``language``, through autograder.i18n's catalogue; ``language`` is its
code, for ``<html lang>``). Every ``{{ value }}`` is escaped: student ids,
messages, hints and anything else a student controls cannot become markup. A
template that cannot be read or rendered is a SourceError naming the file.
"""
from __future__ import annotations

import html
from pathlib import Path

import jinja2
from markupsafe import Markup

from autograder import i18n
from autograder.config import Course
from autograder.errors import SourceError
from autograder.pipeline.duedates import load_settings
from autograder.pipeline.lateness import duration, when

PACKAGE_TEMPLATES = Path(__file__).with_name("templates")


def template_dirs(course: Course | None) -> list[Path]:
    """Folders searched for templates, first match wins."""
    dirs = [course.workspace / "templates", course.repo / "templates"] if course is not None else []
    return dirs + [PACKAGE_TEMPLATES]


def _escape(value):
    # The standard library's escaping, the same as html.escape elsewhere in the project;
    # Markup (already-safe HTML such as a macro's output) passes as it is.
    if isinstance(value, Markup):
        return value
    return Markup(html.escape(str(value)))


def _points(value: float) -> str:
    return f"{value:g}"


def environment(course: Course | None = None) -> jinja2.Environment:
    """A Jinja2 environment over the template folders of ``course`` (only the package's when None).

    Its ``when`` filter writes times in the course's zone (course.yml), naming the zone;
    ``describe`` says in words what an instructor's change did.
    """
    zone = load_settings(course.workspace, course.repo).tz if course is not None else None
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in template_dirs(course)]),
        autoescape=True, finalize=_escape, undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters.update(points=_points, duration=duration, when=lambda moment: when(moment, zone),
                       describe=lambda change: change.describe(zone))
    env.globals.update(_=i18n._, language=course.language if course is not None else i18n.SOURCE_LANGUAGE)
    return env


def render(env: jinja2.Environment, name: str, **context) -> str:
    """Render template ``name``; a broken course template is a SourceError that names its file."""
    try:
        with i18n.language(env.globals.get("language")):
            return env.get_template(name).render(**context)
    except jinja2.TemplateSyntaxError as exc:
        raise SourceError(f"template {exc.filename or name}, line {exc.lineno}: {exc.message}; "
                          f"fix it or remove it to use the built-in one") from exc
    except jinja2.TemplateError as exc:
        where = _source_of(env, name)
        raise SourceError(f"template {where} cannot be rendered: {type(exc).__name__}: {exc}; "
                          f"fix it or remove it to use the built-in one") from exc


def _source_of(env: jinja2.Environment, name: str) -> str:
    try:
        return env.loader.get_source(env, name)[1] or name
    except jinja2.TemplateNotFound:
        return name
