from flask import Blueprint

bp = Blueprint("timesheets", __name__, url_prefix="/feuilles-de-temps")


@bp.get("/")
def index():
    return "TODO"
