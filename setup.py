"""Build hook: fetch the docs pages' assets (npm swagger-ui-dist and redoc) into the package when building."""

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithDocsAssets(build_py):
    def run(self) -> None:
        import importlib.util
        from pathlib import Path

        spec = importlib.util.spec_from_file_location("assets", Path("src/genever/openapi/_static.py"))
        if spec is not None and spec.loader is not None:
            assets = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(assets)
            if not assets.available():
                try:
                    assets.fetch()
                except Exception as exc:  # no npm: the docs fall back to the CDN
                    print(f"warning: docs assets not fetched ({exc}); /docs will use the CDN")
        super().run()


setup(cmdclass={"build_py": BuildWithDocsAssets})
