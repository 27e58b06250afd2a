-- Run once by the official postgres image when its data volume is new
-- (/docker-entrypoint-initdb.d). The tracker store uses POSTGRES_DB
-- (borgerguide); the web service's own data and the events it copies from
-- RabbitMQ live beside it in borgerguide_web (deploy/entrypoint.sh:
-- DB_WEB_NAME, default DB_NAME_web). Two databases because both have a
-- table named "events".
CREATE DATABASE borgerguide_web;
