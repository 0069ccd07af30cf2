from wagtail import hooks

from .panels import PublishRunsPanel


@hooks.register("construct_homepage_panels")
def add_publish_runs_panel(request, panels):
    panels.append(PublishRunsPanel())
