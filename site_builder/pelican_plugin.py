"""Pelican plugin: the generator that turns catalogue records into the portal's pages.

The records arrive already parsed and checked (catalogue.Catalogue) and their rich text is
sanitised HTML, so no Pelican reader and no Markdown are involved. Pelican's per-page
Writer (context copies, URL rewriting, signals for every file) is the other big cost at 10k
pages, so the generator takes the Jinja environment Pelican built from the theme and hands
it to the build job, which writes the pages itself (see site_builder.build).
"""

from __future__ import annotations

from pelican import signals
from pelican.generators import Generator

from .theme import configure

JOB_SETTING = "SANTER_BUILD_JOB"


class PortalGenerator(Generator):
    """Renders every page of the portal; does nothing in a Pelican run that is not a Santer build."""

    def generate_context(self) -> None:
        job = self.settings.get(JOB_SETTING)
        if job is not None:
            configure(self.env)
            job.prepare(self.env)

    def generate_output(self, writer) -> None:
        job = self.settings.get(JOB_SETTING)
        if job is not None:
            job.write_pages()


def get_generators(pelican_object):
    return PortalGenerator


def register() -> None:
    signals.get_generators.connect(get_generators)
