from portal.blueprints.settings import bp


@bp.get("/licences")
def users():
    return "TODO"
