"""The OpenAPI 3.1 description of /api/v1 (kept beside the routes it describes)."""
from __future__ import annotations

PROBLEM = {"$ref": "#/components/schemas/Problem"}


def _resp(desc: str, schema: dict | None = None, media: str = "application/json") -> dict:
    out: dict = {"description": desc}
    if schema:
        out["content"] = {media: {"schema": schema}}
    return out


def spec() -> dict:
    problem = _resp("Fout (RFC 9457 problem details)", PROBLEM, "application/problem+json")
    return {
        "openapi": "3.1.0",
        "info": {"title": "woo API", "version": "1",
                 "description": "Documenten aanleveren en opvragen voor actieve openbaarmaking (Woo)."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Problem": {"type": "object", "properties": {
                    "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
                    "detail": {"type": "string"}, "code": {"type": "string"}}},
                "IngestResult": {"type": "object", "required": ["filename", "status"], "properties": {
                    "filename": {"type": "string"},
                    "status": {"type": "string", "enum": ["accepted", "duplicate", "rejected"]},
                    "document_id": {"type": "string"}, "reason": {"type": "string"},
                    "url": {"type": "string"}}},
                "File": {"type": "object", "properties": {
                    "role": {"type": "string"}, "filename": {"type": "string"}, "size": {"type": "integer"},
                    "sha256": {"type": "string"}, "mime_type": {"type": "string"},
                    "puid": {"type": ["string", "null"]}, "url": {"type": "string"}}},
                "Job": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "kind": {"type": "string"},
                    "status": {"type": "string", "enum": ["queued", "running", "done", "failed"]},
                    "error": {"type": ["string", "null"]}, "attempts": {"type": "integer"}}},
                "Privacy": {"type": "object", "properties": {
                    "blockers": {"type": "array", "items": {"type": "string"}},
                    "findings": {"type": "array", "items": {"type": "object", "properties": {
                        "id": {"type": "integer"}, "type": {"type": "string"},
                        "page": {"type": ["integer", "null"]}, "text": {"type": "string"},
                        "decision": {"type": "string", "enum": ["open", "redact", "allow"]},
                        "ground": {"type": ["string", "null"]}, "reason": {"type": ["string", "null"]}}}}}},
                "Document": {"type": "object", "properties": {
                    "id": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "string"},
                    "organisation": {"type": "string", "description": "TOOI URI"},
                    "category": {"type": ["string", "null"], "description": "TOOI URI of the Woo category"},
                    "suggestion": {"type": ["object", "null"]}, "format": {"type": ["string", "null"]},
                    "created_at": {"type": "string", "format": "date-time"},
                    "updated_at": {"type": "string", "format": "date-time"},
                    "published_at": {"type": ["string", "null"], "format": "date-time"},
                    "files": {"type": "array", "items": {"$ref": "#/components/schemas/File"}},
                    "jobs": {"type": "array", "items": {"$ref": "#/components/schemas/Job"}}}},
            },
        },
        "paths": {
            "/documents": {
                "post": {
                    "summary": "Een document aanleveren",
                    "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                        "type": "object", "required": ["file"], "properties": {
                            "file": {"type": "string", "format": "binary"},
                            "title": {"type": "string"},
                            "organisation": {"type": "string", "description": "TOOI code or URI"},
                            "unit_id": {"type": "string", "description": "Afdeling: its number (one of the "
                                        "caller's units), or 'geen'; absent: the caller's only unit"}}}}}},
                    "responses": {"201": _resp("Opgenomen", {"$ref": "#/components/schemas/IngestResult"}),
                                  "200": _resp("Al eerder opgenomen (duplicaat)",
                                               {"$ref": "#/components/schemas/IngestResult"}),
                                  "400": problem, "401": problem, "403": problem, "413": problem,
                                  "422": problem}},
                "get": {
                    "summary": "Documenten opvragen",
                    "parameters": [{"name": n, "in": "query", "schema": {"type": t}} for n, t in
                                   [("status", "string"), ("category", "string"), ("format", "string"),
                                    ("page", "integer"), ("per_page", "integer")]],
                    "responses": {"200": _resp("Een pagina documenten", {"type": "object", "properties": {
                        "items": {"type": "array", "items": {"$ref": "#/components/schemas/Document"}},
                        "total": {"type": "integer"}, "page": {"type": "integer"},
                        "per_page": {"type": "integer"}}}), "401": problem}},
            },
            "/documents/{document_id}": {"get": {
                "summary": "Eén document",
                "parameters": [{"name": "document_id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {"200": _resp("Het document", {"$ref": "#/components/schemas/Document"}),
                              "401": problem, "404": problem}}},
            "/documents/{document_id}/files/{role}": {"get": {
                "summary": "Een bestand van een document (origineel of weergave)",
                "parameters": [{"name": "document_id", "in": "path", "required": True, "schema": {"type": "string"}},
                               {"name": "role", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "De bytes"}, "401": problem, "404": problem}}},
            "/documents/{document_id}/privacy": {
                "get": {
                    "summary": "Gevonden persoonsgegevens en verborgen inhoud, met beslissingen; scope 'review'",
                    "parameters": [{"name": "document_id", "in": "path", "required": True,
                                    "schema": {"type": "string"}}],
                    "responses": {"200": _resp("Bevindingen en wat publicatie nog tegenhoudt",
                                               {"$ref": "#/components/schemas/Privacy"}),
                                  "401": problem, "403": problem, "404": problem}},
                "post": {
                    "summary": "Bevindingen lakken (met Woo-grond) of openbaar laten (met reden); scope 'review'",
                    "parameters": [{"name": "document_id", "in": "path", "required": True,
                                    "schema": {"type": "string"}}],
                    "requestBody": {"required": True, "content": {"application/json": {"schema": {
                        "type": "object", "required": ["findings", "decision"], "properties": {
                            "findings": {"oneOf": [{"type": "array", "items": {"type": "integer"}},
                                                   {"const": "open"}]},
                            "decision": {"type": "string", "enum": ["redact", "allow"]},
                            "ground": {"type": "string", "description": "Woo-weigeringsgrond, bv. 5.1.2e"},
                            "reason": {"type": "string"}}}}}},
                    "responses": {"200": _resp("Vastgelegd", {"$ref": "#/components/schemas/Privacy"}),
                                  "400": problem, "401": problem, "403": problem, "404": problem,
                                  "422": problem}}},
            "/documents/{document_id}/publish": {"post": {
                "summary": "Publiceren (categorie vastgesteld, privacy beoordeeld, titel bevestigd); scope 'publish'",
                "parameters": [{"name": "document_id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "requestBody": {"required": False, "content": {"application/json": {"schema": {
                    "type": "object", "properties": {"title": {
                        "type": "string", "description": "De openbare titel; bevestigd met de publicatie"}}}}}},
                "responses": {"200": _resp("Gepubliceerd", {"$ref": "#/components/schemas/Document"}),
                              "401": problem, "403": problem, "404": problem,
                              "409": _resp("Geweigerd; 'reasons' geeft de redenen", PROBLEM,
                                           "application/problem+json")}}},
            "/documents/{document_id}/withdraw": {"post": {
                "summary": "Intrekken met een TOOI-reden (redenVerwijderingVervanging); scope 'publish'",
                "parameters": [{"name": "document_id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["reason"], "properties": {"reason": {
                        "type": "string", "description": "code, label of URI uit de TOOI-lijst"}}}}}},
                "responses": {"200": _resp("Ingetrokken", {"$ref": "#/components/schemas/Document"}),
                              "401": problem, "403": problem, "404": problem, "409": problem, "422": problem}}},
            "/documents/{document_id}/correct": {"post": {
                "summary": "Correctie: vervangt het openbare bestand van een gepubliceerd document (zelfde adres, "
                           "nieuwe lastmod); scope 'publish'",
                "parameters": [{"name": "document_id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                    "type": "object", "required": ["file"], "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "reason": {"type": "string", "description": "code, label of URI uit de TOOI-lijst "
                                                                    "redenVerwijderingVervanging"}}}}}},
                "responses": {"200": _resp("Gecorrigeerd en openbaar", {"$ref": "#/components/schemas/Document"}),
                              "202": _resp("Correctie ontvangen; wacht op controle of privacybeslissingen (het "
                                           "oude bestand blijft openbaar); 'correction.blockers' zegt waarom",
                                           {"$ref": "#/components/schemas/Document"}),
                              "400": problem, "401": problem, "403": problem, "404": problem, "409": problem,
                              "422": problem}}},
            "/documents/{document_id}/metadata": {"patch": {
                "summary": "Metadata bevestigen of verbeteren (titel, datums, documentsoort, opsteller, kenmerken); "
                           "scope 'edit'",
                "parameters": [{"name": "document_id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "minProperties": 1, "additionalProperties": False, "properties": {
                        "title": {"type": ["string", "null"]},
                        "date.creatie": {"type": ["string", "null"], "description": "2025-03-03 of 3 maart 2025"},
                        "date.vaststelling": {"type": ["string", "null"]},
                        "date.ondertekening": {"type": ["string", "null"]},
                        "date.ontvangst": {"type": ["string", "null"]},
                        "documentsoort": {"type": ["string", "null"], "description": "TOOI-URI of label"},
                        "organisation": {"type": ["string", "null"], "description": "TOOI-URI, code of naam"},
                        "identifiers": {"type": ["array", "string", "null"], "items": {"type": "string"}}}}}}},
                "responses": {"200": _resp("Vastgelegd: de bevestigde waarden en de voorstellen", {
                    "type": "object", "properties": {
                        "id": {"type": "string"}, "title": {"type": "string"}, "confirmed": {"type": "object"},
                        "suggested": {"type": "array", "items": {"type": "object"}}}}),
                              "401": problem, "403": problem, "404": problem, "422": problem}}},
        },
    }


# Dossiers (issue 13): their paths live next to their routes (woo.web.api_dossiers).
_spec_documents = spec


def spec() -> dict:  # noqa: F811
    from woo.web.api_dossiers import openapi_paths

    out = _spec_documents()
    out["components"]["schemas"]["Dossier"] = {"type": "object", "properties": {
        "id": {"type": "string"}, "title": {"type": "string"}, "kind": {"type": "string"},
        "status": {"type": "string", "enum": ["concept", "gereed", "online-voor-verzoeker", "openbaar", "ingetrokken"]},
        "category": {"type": ["string", "null"]}, "organisation": {"type": "string"},
        "reference": {"type": ["string", "null"]}, "summary": {"type": ["string", "null"]},
        "topics": {"type": "array", "items": {"type": "string"}}, "decision": {"type": ["string", "null"]},
        "term": {"type": ["object", "null"]}, "documents": {"type": "array", "items": {"type": "object"}},
        "blockers": {"type": "object"}}}
    out["components"]["schemas"]["DossierImport"] = {"type": "object", "properties": {
        "id": {"type": "string"}, "status": {"type": "string", "enum": ["wachtend", "bezig", "klaar", "mislukt"]},
        "status_label": {"type": "string"}, "phase": {"type": ["string", "null"]}, "done": {"type": "integer"},
        "total": {"type": "integer"}, "problems": {"type": "array", "items": {"type": "string"}},
        "error": {"type": ["string", "null"]}, "dossier_id": {"type": ["string", "null"]},
        "finished": {"type": "boolean"}, "status_url": {"type": "string"}, "dossier_url": {"type": ["string", "null"]}}}
    out["paths"].update(openapi_paths(_resp("Fout (RFC 9457 problem details)", PROBLEM, "application/problem+json")))
    # The open JSON API (woo.web.api_public): anonymous, CORS, rate-limited; "security": [] per operation.
    from woo.web import api_public

    out["components"]["schemas"]["OpenbaarDossier"] = api_public.openapi_schema()
    out["components"]["schemas"]["OpenbaarDocument"] = api_public.openapi_document_schema()
    out["paths"].update(api_public.openapi_paths(_resp("Fout (RFC 9457 problem details)", PROBLEM,
                                                       "application/problem+json")))
    return out


# Organisations and units (issue 14): their paths live next to their routes (woo.web.api_organisations).
_spec_before_organisations = spec


def spec() -> dict:  # noqa: F811
    from woo.web.api_organisations import openapi_paths

    out = _spec_before_organisations()
    out["paths"].update(openapi_paths(_resp("Fout (RFC 9457 problem details)", PROBLEM, "application/problem+json")))
    return out
