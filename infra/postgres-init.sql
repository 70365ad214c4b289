-- Runs once when the compose PostgreSQL volume is created: the application role logs in with a
-- password of its own. The first migration only creates the role when it is missing.
CREATE ROLE zorgklas_app LOGIN PASSWORD 'app-secret' NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
