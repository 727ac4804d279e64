"""`python -m msgaudit`: the same command line as the `msgaudit` script."""

from msgaudit.cli import main

main()
