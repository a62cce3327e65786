"""nbval settings for the chapters: compare text outputs, not HTML.

Animations (``genlab.viz.animate``) are HTML with random element ids, so their
markup changes on every run; their ``text/plain`` line is still compared.
Images are never compared by nbval.
"""


def pytest_collectstart(collector):
    if collector.fspath and collector.fspath.ext == ".ipynb":
        collector.skip_compare += ("text/html", "application/javascript")
