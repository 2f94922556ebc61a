"""A bare Flask 'hello': what gunicorn and wrk can do on this machine, the yardstick of every page's throughput."""
from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello():
    return "Hello"
