<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US">
<context>
    <name>DocumentList</name>
    <message>
        <source>Rechercher dans les documents…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Rechercher dans les documents</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Filtrer les documents</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tous les documents</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Mes documents</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Partagés avec moi</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>En attente d&apos;envoi</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Titre</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Modifié le</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Accès</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>État</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Liste des documents</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&lt;h3&gt;Aucun document pour l&apos;instant&lt;/h3&gt;&lt;p&gt;Créez un document, ou un procès-verbal prêt à remplir.&lt;/p&gt;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nouveau document</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nouveau procès-verbal</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Aucun document ne correspond.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Propriétaire</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Modification</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Lecture seule</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>(sans titre)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{0} en attente</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>À jour</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>DocumentTab</name>
    <message>
        <source>Texte du document</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Mise en forme</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Barre de mise en forme</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Personnes présentes dans le document</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Lecture seule</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Style de paragraphe</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Paragraphe</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Titre 1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Titre 2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Titre 3</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Aussi dans ce document : {0}</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>DocumentsPage</name>
    <message>
        <source>Documents ouverts</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&lt;p&gt;Ouvrez un document dans la liste, ou créez-en un (Ctrl+N).&lt;/p&gt;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nouveau document</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nouveau procès-verbal</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Exporter…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Fermer le document</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Rechercher</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Renommer…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Partager…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Supprimer…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sans titre</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Moi</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>(sans titre)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Partage avec {0} en cours d&apos;envoi.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>document</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Exporter le document</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Exporté vers {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Parvis</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Parvis</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Modules</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Documents</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nombre de mots et de caractères</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Fichier</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Quitter</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Édition</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Synchronisation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Synchroniser maintenant</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Affichage</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Langue</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Aide</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Raccourcis clavier</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>À propos de Parvis</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&lt;b&gt;Parvis&lt;/b&gt;&lt;br&gt;Suite bureautique hors ligne d&apos;abord pour les collectivités.&lt;br&gt;Vos données sont chiffrées sur cet ordinateur.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{0} mots · {1} caractères</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>La nouvelle langue s&apos;appliquera au prochain démarrage de Parvis.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nouveau document</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nouveau procès-verbal</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Rechercher</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Exporter</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Renommer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Partager</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Fermer le document</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Gras, italique, souligné</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Titres 1 à 3, paragraphe</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Annuler, rétablir</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ShareDialog</name>
    <message>
        <source>Partager « {0} »</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Partage du document</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>identifiant, par exemple m.dupre</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Identifiant de la personne</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Rôle</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Peut modifier</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Lecture seule</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Propriétaire</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Le partage part à la prochaine synchronisation ; hors ligne, il attend le retour du réseau.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Ce profil travaille sans serveur : pour partager, connectez-le au serveur de la collectivité.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Partager avec :</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Rôle :</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Partager</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Annuler</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Indiquez l&apos;identifiant de la personne.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SyncIndicator</name>
    <message>
        <source>Voyant de synchronisation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>État de la synchronisation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Modifications en attente</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Dernière erreur de synchronisation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Synchroniser maintenant</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Synchroniser maintenant (F5)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sur cet ordinateur uniquement</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Synchronisation…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>En ligne</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connexion…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Hors ligne</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Dernière synchronisation à {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>1 modification en attente</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{0} modifications en attente</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tout est envoyé</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>UnlockDialog</name>
    <message>
        <source>La phrase de passe de PARVIS_PASSPHRASE est incorrecte.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Déverrouiller Parvis</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Déverrouillage du profil</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&lt;h3&gt;Déverrouiller votre profil&lt;/h3&gt;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Profil : {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Phrase de passe</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Déverrouiller</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Quitter</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Phrase de passe :</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Phrase de passe incorrecte. Vérifiez la saisie (majuscules, disposition du clavier) et réessayez.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>WelcomeDialog</name>
    <message>
        <source>Bienvenue dans Parvis</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Création du profil</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&lt;h2&gt;Bienvenue dans Parvis&lt;/h2&gt;&lt;p&gt;Vos documents sont chiffrés sur cet ordinateur et restent disponibles sans réseau. Choisissez comment protéger votre profil et comment travailler.&lt;/p&gt;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Protection du profil</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Trousseau du système (recommandé)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Phrase de passe</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Protéger par le trousseau du système</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Protéger par une phrase de passe</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Confirmation de la phrase de passe</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Au moins 8 caractères. Sans elle, vos données sont illisibles : conservez-la en lieu sûr.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Phrase de passe :</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Confirmation :</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Trousseau du système (indisponible sur cet ordinateur)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Mode de travail</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sur cet ordinateur uniquement, sans serveur</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Avec le serveur de la collectivité</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>facultatif : PKI interne</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Parcourir…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choisir le certificat de l&apos;autorité</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Travailler sans serveur</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Se connecter au serveur</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Adresse du serveur</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Identifiant</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Mot de passe</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Certificat de l&apos;autorité interne</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Adresse :</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Identifiant :</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Mot de passe :</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Certificat :</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Créer le profil</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Quitter</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Quitter Parvis</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Continuer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Certificat de l&apos;autorité</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Certificats (*.pem *.crt *.cer);;Tous les fichiers (*)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>La phrase de passe doit compter au moins 8 caractères.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Les deux phrases de passe diffèrent.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>L&apos;adresse du serveur commence par https:// (par exemple https://parvis.mairie.fr).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Indiquez votre identifiant et votre mot de passe sur le serveur.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Le fichier du certificat est introuvable.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Le profil est créé, mais la connexion a échoué : {0} Corrigez puis réessayez, ou continuez sans serveur.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>label</name>
    <message>
        <source>Message d&apos;erreur</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>parent</name>
    <message>
        <source>Renommer le document</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nouveau titre :</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Supprimer le document</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Supprimer « {0} » ?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Le document sera supprimé pour toutes les personnes avec qui il est partagé.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Vous quitterez ce document partagé ; les autres participants le gardent.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Supprimer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Annuler</source>
        <translation type="unfinished"></translation>
    </message>
</context>
</TS>
