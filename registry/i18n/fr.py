"""French messages (the reference catalogue)."""

from __future__ import annotations

MESSAGES: dict[str, str] = {
    # users
    "user.password_too_short": "le mot de passe doit contenir au moins {min} caractères",
    "user.exists": "l'identifiant « {username} » existe déjà",
    # usagers
    "usager.nom_required": "le nom est obligatoire",
    "usager.numero_exists": "le numéro de dossier {numero} existe déjà",
    "usager.not_found": "aucun usager n° {numero}",
    # domiciliation lifecycle
    "lifecycle.transition": "passage de « {from_} » à « {to} » impossible",
    "lifecycle.reason_required": "un motif est obligatoire pour le statut « {to} »",
    "lifecycle.not_awaiting": "seul un dossier en attente de décision peut être décidé",
    "lifecycle.no_decider": "au moins un membre de la commission doit décider",
    # CSV import: whole file
    "import.empty": "fichier vide : une ligne d'en-tête est attendue",
    "import.missing_columns": "colonne(s) obligatoire(s) absente(s) : {columns}",
    "import.header_encoding": "en-tête illisible en {encoding}",
    # CSV import: one row
    "import.row.encoding": "encodage invalide (attendu : {encoding})",
    "import.row.columns": "nombre de colonnes incorrect : {got} au lieu de {expected}",
    "import.row.csv": "ligne CSV illisible : {error}",
    "import.row.duplicate": "numéro {numero} en double (déjà à la ligne {line})",
    "import.row.numero_missing": "numéro de dossier manquant",
    "import.row.numero_long": "numéro de dossier trop long ({max} caractères au plus)",
    "import.row.nom_missing": "nom manquant",
    "import.row.date_invalid": "date de naissance invalide : « {value} » (attendu AAAA-MM-JJ ou JJ/MM/AAAA)",
    "import.row.date_range": "date de naissance hors limites : « {value} »",
    "import.row.sexe": "sexe invalide : « {value} » (M, F ou X)",
    "import.row.email": "adresse e-mail invalide : « {value} »",
    "import.row.channel": "canal invalide : « {value} » (sms, email ou aucun)",
    # audit chain
    "audit.id_gap": "événement {event_id} trouvé là où {expected} était attendu ({kind})",
    "audit.id_gap.missing": "événement manquant",
    "audit.id_gap.order": "ordre modifié",
    "audit.link": "lien avec l'événement précédent rompu (un événement a été supprimé, inséré ou modifié avant lui)",
    "audit.content": "contenu différent de son empreinte (événement modifié)",
    "audit.head_missing": "tête du journal absente",
    "audit.truncated": "le journal s'arrête à l'événement {last} mais sa tête indique l'événement {head} (fin supprimée)",
    # CLI
    "cli.not_initialised": "Base non initialisée : lancez d'abord « coffre init ».",
    "cli.passwords_differ": "les deux saisies diffèrent",
    "cli.init.done": "Base initialisée pour {structure}. Administrateur : {username}",
    "cli.init.up_to_date": "Base à jour ({structure}) ; un administrateur existe déjà.",
    "cli.init.generated": "Mot de passe généré (affiché une seule fois) : {password}",
    "cli.run.banner": "Coffre — API http://{host}:{port} (santé : /health) — base {db} — coffre-fort {storage} — file {queue}",
    "cli.demo.not_empty": "Des usagers existent déjà : la démonstration n'est chargée que dans une base vide.",
    "cli.demo.next": "Voir : « coffre usagers list », « coffre usagers show NUMERO ».",
    "cli.audit.ok": "Journal intègre : {count} événements, tête {head}…",
    "cli.audit.broken": "Journal rompu à l'événement {event_id} : {reason}",
    "cli.import.summary": "{created} créé(s), {updated} mis à jour, {unchanged} inchangé(s), {rejected} rejeté(s) en {seconds:.1f} s",
    "cli.import.rejects_written": "Liste complète des rejets : {path}",
    "cli.import.more_rejects": "… et {count} autre(s) rejet(s)",
    "cli.export.done": "{count} usager(s) exporté(s) vers {path}",
    "cli.card.issued": "Nouvelle carte pour le dossier {numero} : {token} (à encoder maintenant, elle ne sera plus affichée)",
    "cli.card.revoked": "{count} carte(s) révoquée(s) pour le dossier {numero}",
    "cli.card.unknown": "Carte inconnue ou révoquée.",
    # health
    "health.storage_missing_endpoint": "point d'accès S3 non configuré",
    "health.bucket_missing": "compartiment {bucket} absent",
}
