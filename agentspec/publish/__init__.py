"""The results website: pages generated from the results store, built by MkDocs with the Material theme."""

from agentspec.publish.build import SiteBuild, build_site, generate_pages
from agentspec.publish.results import SiteData, load

__all__ = ["SiteBuild", "SiteData", "build_site", "generate_pages", "load"]
