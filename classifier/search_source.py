"""Which image search a job uses: DuckDuckGo normally; a setting names another function (tests serve their own)."""

from django.conf import settings
from django.utils.module_loading import import_string

from classifier.pipeline.search import ImageSearch


def configured_image_search() -> ImageSearch:
    return import_string(settings.IMAGE_SEARCH_FUNCTION)
