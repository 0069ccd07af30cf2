"""API v2 serializer fields: lists stay JSON lists, references are slugs, rich text is the portal's HTML."""

from rest_framework.fields import Field

from .rich_text import portal_html


class TextListField(Field):
    """A StreamField of text items → ["item", ...]."""

    def to_representation(self, value):
        return [block.value for block in value]


class ChannelListField(Field):
    """The channels StreamField → [{"kind", "name", "address", "hours"}, ...]."""

    def to_representation(self, value):
        return [
            {
                "kind": block.block_type,
                "name": block.value["name"],
                "address": block.value["address"],
                "hours": block.value["hours"],
            }
            for block in value
        ]


class SlugField(Field):
    """A reference (foreign key or many-to-many) → its catalogue slug(s)."""

    def to_representation(self, value):
        if hasattr(value, "all"):
            return sorted(obj.slug for obj in value.all())
        return value.slug


class PortalHtmlField(Field):
    """Rich text → the same sanitised HTML the content export and the portal use."""

    def to_representation(self, value):
        return portal_html(value)
