"""The supervisors' dashboard and the analytics API: figures computed in the database, daily rollups."""
