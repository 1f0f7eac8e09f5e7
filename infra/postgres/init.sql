-- Roles and databases of the two services, for the PostgreSQL container of
-- docker-compose.yml (scripts/services.sh does the same for a local server).
CREATE ROLE users LOGIN CREATEDB PASSWORD 'users';
CREATE DATABASE users OWNER users;
CREATE ROLE games LOGIN CREATEDB PASSWORD 'games';
CREATE DATABASE games OWNER games;
