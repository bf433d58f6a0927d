"""Package layout only (everything else is in pyproject.toml).

The repository keeps adapters/ and migrations/ beside arenabot/, but they install inside it, as
arenabot.adapters and arenabot.migrations: a distribution must not claim top-level names as
generic as `adapters` and `migrations` in site-packages. pyproject.toml cannot rename found
packages, so the list is built here; new subpackages are picked up without editing anything.
"""

from setuptools import find_packages, setup

BESIDE = ("adapters", "migrations")  # directory in the repository -> arenabot.<name> when installed

packages = find_packages(include=["arenabot", "arenabot.*"])
for name in BESIDE:
    packages += [f"arenabot.{found}" for found in find_packages(include=[name, f"{name}.*"])]

setup(packages=packages, package_dir={f"arenabot.{name}": name for name in BESIDE})
