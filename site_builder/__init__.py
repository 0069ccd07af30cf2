"""The static citizen portal, built with Pelican from catalogue records (no Django here)."""

from .build import BuildError, BuildReport, build_portal, live_assets, render_page
from .publish import rollback
from .site import Page, Site
from .theme import Assets

__all__ = [
    "Assets",
    "BuildError",
    "BuildReport",
    "Page",
    "Site",
    "build_portal",
    "live_assets",
    "render_page",
    "rollback",
]
