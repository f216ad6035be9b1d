"""`python -m docnav.cli ask ...` runs the same app as the `docnav` console script."""

from docnav.cli import app

app(prog_name="docnav")
