from flask import Blueprint

bp = Blueprint("project_admin", __name__, url_prefix="/projets")


@bp.get("/")
def index():
    return "TODO"
