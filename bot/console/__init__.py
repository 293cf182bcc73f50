"""The caseworker console: a Starlette + Jinja2 web app served by the gateway under /console."""
