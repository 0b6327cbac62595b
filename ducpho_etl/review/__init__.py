"""The review workbench: a local web app where an officer settles the rows the linker could not
(`review`, `not_found`), one key press per row, over the decision store of ducpho_etl.decisions.

Server-rendered pages (Jinja2) with a little plain JavaScript, no build step, works offline,
bound to 127.0.0.1. IDs are masked unless a logged-in officer asks for full values, and every
such view is written to the store's access log; the server's own log carries no personal data.
"""
