-- Second database of the compose deployment (the first, fapiao_app, is POSTGRES_DB).
CREATE DATABASE fapiao_tracker OWNER fapiao;
