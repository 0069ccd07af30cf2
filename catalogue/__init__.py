"""The catalogue record (one definition of a service, OPD, app, category, life event) and its files."""

from .files import Catalogue, dump_record, load_catalogue, write_content
from .records import App, Category, Channel, LifeEvent, Opd, RecordError, Service

__all__ = [
    "App",
    "Catalogue",
    "Category",
    "Channel",
    "LifeEvent",
    "Opd",
    "RecordError",
    "Service",
    "dump_record",
    "load_catalogue",
    "write_content",
]
