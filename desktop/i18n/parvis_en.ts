<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US">
<context>
    <name>AccountDialog</name>
    <message>
        <source>Ajouter un compte de messagerie</source>
        <translation>Add a mail account</translation>
    </message>
    <message>
        <source>prenom.nom@mairie-exemple.fr</source>
        <translation>firstname.lastname@town-example.fr</translation>
    </message>
    <message>
        <source>Adresse de messagerie</source>
        <translation>Email address</translation>
    </message>
    <message>
        <source>souvent l&apos;adresse elle-même</source>
        <translation>often the address itself</translation>
    </message>
    <message>
        <source>Identifiant</source>
        <translation>User name</translation>
    </message>
    <message>
        <source>Mot de passe</source>
        <translation>Password</translation>
    </message>
    <message>
        <source>imap.mairie-exemple.fr (ou hôte:port)</source>
        <translation>imap.town-example.fr (or host:port)</translation>
    </message>
    <message>
        <source>Serveur de réception (IMAP)</source>
        <translation>Incoming server (IMAP)</translation>
    </message>
    <message>
        <source>le même, si vide</source>
        <translation>the same, if empty</translation>
    </message>
    <message>
        <source>Serveur d&apos;envoi (SMTP)</source>
        <translation>Outgoing server (SMTP)</translation>
    </message>
    <message>
        <source>Sécurité</source>
        <translation>Security</translation>
    </message>
    <message>
        <source>Automatique (ports habituels)</source>
        <translation>Automatic (usual ports)</translation>
    </message>
    <message>
        <source>TLS</source>
        <translation>TLS</translation>
    </message>
    <message>
        <source>STARTTLS</source>
        <translation>STARTTLS</translation>
    </message>
    <message>
        <source>Sans chiffrement (serveur local uniquement)</source>
        <translation>No encryption (local server only)</translation>
    </message>
    <message>
        <source>Adresse :</source>
        <translation>Address:</translation>
    </message>
    <message>
        <source>Identifiant :</source>
        <translation>User name:</translation>
    </message>
    <message>
        <source>Mot de passe :</source>
        <translation>Password:</translation>
    </message>
    <message>
        <source>Réception (IMAP) :</source>
        <translation>Incoming (IMAP):</translation>
    </message>
    <message>
        <source>Envoi (SMTP) :</source>
        <translation>Outgoing (SMTP):</translation>
    </message>
    <message>
        <source>Sécurité :</source>
        <translation>Security:</translation>
    </message>
    <message>
        <source>Parvis vérifie l&apos;identifiant sur les deux serveurs avant d&apos;enregistrer le compte. Le mot de passe est gardé chiffré dans votre profil.</source>
        <translation>Parvis checks the login on both servers before saving the account. The password is kept encrypted in your profile.</translation>
    </message>
    <message>
        <source>Indiquez au moins l&apos;adresse, le mot de passe et le serveur de réception.</source>
        <translation>Give at least the address, the password and the incoming server.</translation>
    </message>
    <message>
        <source>Vérification auprès des serveurs…</source>
        <translation>Checking with the servers…</translation>
    </message>
</context>
<context>
    <name>BankPage</name>
    <message>
        <source>Nouveau dossier partagé…</source>
        <translation>New shared folder…</translation>
    </message>
    <message>
        <source>Créer un dossier partagé sur le serveur, pour un service ou des personnes</source>
        <translation>Create a shared folder on the server, for a department or for people</translation>
    </message>
    <message>
        <source>Dossiers partagés</source>
        <translation>Shared folders</translation>
    </message>
    <message>
        <source>Synchroniser dans un dossier…</source>
        <translation>Sync into a folder…</translation>
    </message>
    <message>
        <source>Choisir le dossier de ce poste où ce dossier partagé se synchronise</source>
        <translation>Choose the folder on this PC where this shared folder syncs</translation>
    </message>
    <message>
        <source>Ouvrir le dossier</source>
        <translation>Open the folder</translation>
    </message>
    <message>
        <source>Ouvrir le dossier synchronisé dans l&apos;explorateur de fichiers</source>
        <translation>Open the synced folder in the file manager</translation>
    </message>
    <message>
        <source>Partager…</source>
        <translation>Share…</translation>
    </message>
    <message>
        <source>Voir les membres du dossier et en ajouter (propriétaires)</source>
        <translation>See the folder&apos;s members and add some (owners)</translation>
    </message>
    <message>
        <source>Arrêter la synchronisation</source>
        <translation>Stop syncing</translation>
    </message>
    <message>
        <source>Ne plus synchroniser ce dossier sur ce poste : ses fichiers restent où ils sont</source>
        <translation>Stop syncing this folder on this PC: its files stay where they are</translation>
    </message>
    <message>
        <source>&lt;b&gt;Fichiers&lt;/b&gt;</source>
        <translation>&lt;b&gt;Files&lt;/b&gt;</translation>
    </message>
    <message>
        <source>Filtrer les fichiers…</source>
        <translation>Filter files…</translation>
    </message>
    <message>
        <source>Filtrer les fichiers par nom</source>
        <translation>Filter files by name</translation>
    </message>
    <message>
        <source>Ouvrir</source>
        <translation>Open</translation>
    </message>
    <message>
        <source>Ouvrir le fichier avec son application (Ctrl+O)</source>
        <translation>Open the file with its application (Ctrl+O)</translation>
    </message>
    <message>
        <source>Versions…</source>
        <translation>Versions…</translation>
    </message>
    <message>
        <source>Les versions gardées sur le serveur, et en restaurer une</source>
        <translation>The versions kept on the server, and restore one</translation>
    </message>
    <message>
        <source>Nom</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>État</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Taille</source>
        <translation>Size</translation>
    </message>
    <message>
        <source>Modifié le</source>
        <translation>Modified</translation>
    </message>
    <message>
        <source>Fichiers du dossier</source>
        <translation>Files of the folder</translation>
    </message>
    <message>
        <source>Les fichiers du dossier synchronisé sont des fichiers ordinaires : toute personne qui accède au disque de ce poste peut les lire, contrairement au reste de Parvis, chiffré dans votre profil. Activez le chiffrement du disque (BitLocker sous Windows).</source>
        <translation>The files in the synced folder are ordinary files: anyone with access to this PC&apos;s disk can read them, unlike the rest of Parvis, which is encrypted in your profile. Turn on disk encryption (BitLocker on Windows).</translation>
    </message>
    <message>
        <source>Hors ligne : liste des dossiers enregistrée sur ce poste.</source>
        <translation>Offline: folder list as saved on this PC.</translation>
    </message>
    <message>
        <source>Non synchronisé sur ce poste</source>
        <translation>Not synced on this PC</translation>
    </message>
    <message>
        <source>Non synchronisé</source>
        <translation>Not synced</translation>
    </message>
    <message>
        <source>En attente de synchronisation</source>
        <translation>Waiting to sync</translation>
    </message>
    <message>
        <source>{0} conflit(s)</source>
        <translation>{0} conflict(s)</translation>
    </message>
    <message>
        <source>{0} erreur(s)</source>
        <translation>{0} error(s)</translation>
    </message>
    <message>
        <source>{0} en attente</source>
        <translation>{0} pending</translation>
    </message>
    <message>
        <source>À jour</source>
        <translation>Up to date</translation>
    </message>
    <message>
        <source>« Synchroniser dans un dossier… »</source>
        <translation>“Sync into a folder…”</translation>
    </message>
    <message>
        <source>Aucun dossier partagé</source>
        <translation>No shared folder</translation>
    </message>
    <message>
        <source>Aucun dossier partagé pour l&apos;instant. Créez-en un pour votre service avec « Nouveau dossier partagé… », ou demandez à un collègue de vous en partager un.</source>
        <translation>No shared folder yet. Create one for your department with “New shared folder…”, or ask a colleague to share one with you.</translation>
    </message>
    <message>
        <source>Ce dossier n&apos;est pas encore sur ce poste. Choisissez « Synchroniser dans un dossier… » : ses fichiers y arriveront, et ce que vous y enregistrez partira vers le serveur.</source>
        <translation>This folder is not on this PC yet. Choose “Sync into a folder…”: its files will arrive there, and what you save there will go to the server.</translation>
    </message>
    <message>
        <source>Synchronisé dans {0}</source>
        <translation>Synced in {0}</translation>
    </message>
    <message>
        <source>✓ À jour</source>
        <translation>✓ Up to date</translation>
    </message>
    <message>
        <source>⏳ En attente</source>
        <translation>⏳ Pending</translation>
    </message>
    <message>
        <source>⚠ Conflit</source>
        <translation>⚠ Conflict</translation>
    </message>
    <message>
        <source>✖ Erreur</source>
        <translation>✖ Error</translation>
    </message>
    <message>
        <source>Synchroniser « {0} » dans un dossier</source>
        <translation>Sync “{0}” into a folder</translation>
    </message>
    <message>
        <source>Les fichiers de ce dossier seront des fichiers ordinaires, lisibles par toute personne qui accède au disque de ce poste (le reste de Parvis est chiffré). Activez le chiffrement du disque (BitLocker sous Windows).</source>
        <translation>The files in this folder will be ordinary files, readable by anyone with access to this PC&apos;s disk (the rest of Parvis is encrypted). Turn on disk encryption (BitLocker on Windows).</translation>
    </message>
    <message>
        <source>« {0} » se synchronise dans {1}.</source>
        <translation>“{0}” syncs in {1}.</translation>
    </message>
    <message>
        <source>« {0} » n&apos;est plus synchronisé sur ce poste ; ses fichiers restent dans {1}.</source>
        <translation>“{0}” is no longer synced on this PC; its files stay in {1}.</translation>
    </message>
    <message>
        <source>« {0} » n&apos;est pas (ou plus) sur ce poste.</source>
        <translation>“{0}” is not (or no longer) on this PC.</translation>
    </message>
    <message>
        <source>Dossier partagé créé : choisissez où le synchroniser sur ce poste.</source>
        <translation>Shared folder created: choose where to sync it on this PC.</translation>
    </message>
</context>
<context>
    <name>CalAccountDialog</name>
    <message>
        <source>Ajouter un compte d&apos;agenda</source>
        <translation>Add a calendar account</translation>
    </message>
    <message>
        <source>https://agenda.mairie-exemple.fr/dav/</source>
        <translation>https://calendar.example-town.fr/dav/</translation>
    </message>
    <message>
        <source>Adresse CalDAV</source>
        <translation>CalDAV address</translation>
    </message>
    <message>
        <source>Identifiant</source>
        <translation>User name</translation>
    </message>
    <message>
        <source>Mot de passe</source>
        <translation>Password</translation>
    </message>
    <message>
        <source>Adresse :</source>
        <translation>Address:</translation>
    </message>
    <message>
        <source>Identifiant :</source>
        <translation>User name:</translation>
    </message>
    <message>
        <source>Mot de passe :</source>
        <translation>Password:</translation>
    </message>
    <message>
        <source>Tout serveur CalDAV convient. Le serveur Parvis de votre collectivité sert vos agendas et ceux de vos services à l&apos;adresse …/dav/, avec votre mot de passe Parvis. Parvis vérifie l&apos;identifiant avant d&apos;enregistrer le compte ; le mot de passe est gardé chiffré dans votre profil.</source>
        <translation>Any CalDAV server will do. Your authority&apos;s Parvis server serves your calendars and your departments&apos; at …/dav/, with your Parvis password. Parvis checks the login before saving the account; the password is kept encrypted in your profile.</translation>
    </message>
    <message>
        <source>Indiquez l&apos;adresse, l&apos;identifiant et le mot de passe.</source>
        <translation>Enter the address, the user name and the password.</translation>
    </message>
    <message>
        <source>Vérification auprès du serveur d&apos;agenda…</source>
        <translation>Checking with the calendar server…</translation>
    </message>
</context>
<context>
    <name>CalendarPage</name>
    <message>
        <source>janvier</source>
        <translation>January</translation>
    </message>
    <message>
        <source>février</source>
        <translation>February</translation>
    </message>
    <message>
        <source>mars</source>
        <translation>March</translation>
    </message>
    <message>
        <source>avril</source>
        <translation>April</translation>
    </message>
    <message>
        <source>mai</source>
        <translation>May</translation>
    </message>
    <message>
        <source>juin</source>
        <translation>June</translation>
    </message>
    <message>
        <source>juillet</source>
        <translation>July</translation>
    </message>
    <message>
        <source>août</source>
        <translation>August</translation>
    </message>
    <message>
        <source>septembre</source>
        <translation>September</translation>
    </message>
    <message>
        <source>octobre</source>
        <translation>October</translation>
    </message>
    <message>
        <source>novembre</source>
        <translation>November</translation>
    </message>
    <message>
        <source>décembre</source>
        <translation>December</translation>
    </message>
    <message>
        <source>lundi</source>
        <translation>Monday</translation>
    </message>
    <message>
        <source>mardi</source>
        <translation>Tuesday</translation>
    </message>
    <message>
        <source>mercredi</source>
        <translation>Wednesday</translation>
    </message>
    <message>
        <source>jeudi</source>
        <translation>Thursday</translation>
    </message>
    <message>
        <source>vendredi</source>
        <translation>Friday</translation>
    </message>
    <message>
        <source>samedi</source>
        <translation>Saturday</translation>
    </message>
    <message>
        <source>dimanche</source>
        <translation>Sunday</translation>
    </message>
    <message>
        <source>&lt;b&gt;Agenda&lt;/b&gt;</source>
        <translation>&lt;b&gt;Calendar&lt;/b&gt;</translation>
    </message>
    <message>
        <source>Nouvel événement</source>
        <translation>New event</translation>
    </message>
    <message>
        <source>Nouvel événement (Ctrl+N)</source>
        <translation>New event (Ctrl+N)</translation>
    </message>
    <message>
        <source>Aujourd&apos;hui</source>
        <translation>Today</translation>
    </message>
    <message>
        <source>Revenir à aujourd&apos;hui</source>
        <translation>Back to today</translation>
    </message>
    <message>
        <source>Période précédente</source>
        <translation>Previous period</translation>
    </message>
    <message>
        <source>Période précédente (Page préc.)</source>
        <translation>Previous period (Page Up)</translation>
    </message>
    <message>
        <source>Période suivante</source>
        <translation>Next period</translation>
    </message>
    <message>
        <source>Période suivante (Page suiv.)</source>
        <translation>Next period (Page Down)</translation>
    </message>
    <message>
        <source>Jour</source>
        <translation>Day</translation>
    </message>
    <message>
        <source>Semaine</source>
        <translation>Week</translation>
    </message>
    <message>
        <source>Mois</source>
        <translation>Month</translation>
    </message>
    <message>
        <source>Agendas</source>
        <translation>Calendars</translation>
    </message>
    <message>
        <source>Semaine du {0} au {1} {2} {3}</source>
        <translation>Week of {2} {0} – {1}, {3}</translation>
    </message>
    <message>
        <source>Semaine du {0} {1} au {2} {3} {4}</source>
        <translation>Week of {1} {0} – {3} {2}, {4}</translation>
    </message>
    <message>
        <source>Afficher l&apos;agenda {0}</source>
        <translation>Show calendar {0}</translation>
    </message>
    <message>
        <source>Agenda</source>
        <translation>Calendar</translation>
    </message>
    <message>
        <source>Aucun agenda : ajoutez d&apos;abord un compte CalDAV.</source>
        <translation>No calendar: add a CalDAV account first.</translation>
    </message>
    <message>
        <source>« {0} » est enregistré ; il partira à la prochaine synchronisation.</source>
        <translation>“{0}” is saved; it will be sent at the next sync.</translation>
    </message>
    <message>
        <source>Supprimer l&apos;événement</source>
        <translation>Delete the event</translation>
    </message>
    <message>
        <source>Supprimer « {0} » ? S&apos;il se répète, toute la série est supprimée.</source>
        <translation>Delete “{0}”? If it repeats, the whole series is deleted.</translation>
    </message>
    <message>
        <source>Modifier…</source>
        <translation>Edit…</translation>
    </message>
    <message>
        <source>Créer le procès-verbal</source>
        <translation>Create the minutes</translation>
    </message>
    <message>
        <source>Supprimer</source>
        <translation>Delete</translation>
    </message>
    <message>
        <source>Le {0} à {1}</source>
        <translation>On {0} at {1}</translation>
    </message>
    <message>
        <source>« {0} » est une copie en conflit : choisissez d&apos;abord la version à garder (clic droit), puis déplacez-la.</source>
        <translation>“{0}” is a conflict copy: first choose which version to keep (right-click), then move it.</translation>
    </message>
    <message>
        <source>Aucun agenda pour l&apos;instant : ajoutez le compte d&apos;agenda de votre collectivité (CalDAV).</source>
        <translation>No calendar yet: add your authority&apos;s calendar account (CalDAV).</translation>
    </message>
    <message>
        <source>Ajouter un agenda…</source>
        <translation>Add a calendar…</translation>
    </message>
    <message>
        <source>Ajouter un compte d&apos;agenda (CalDAV) : celui du serveur Parvis ou un autre</source>
        <translation>Add a calendar account (CalDAV): the Parvis server&apos;s or another</translation>
    </message>
    <message>
        <source>Importer un fichier .ics…</source>
        <translation>Import an .ics file…</translation>
    </message>
    <message>
        <source>Importer les événements d&apos;un fichier iCalendar (.ics)</source>
        <translation>Import the events of an iCalendar file (.ics)</translation>
    </message>
    <message>
        <source>Exporter en .ics…</source>
        <translation>Export as .ics…</translation>
    </message>
    <message>
        <source>Enregistrer les événements de vos agendas dans un fichier .ics</source>
        <translation>Save the events of your calendars to an .ics file</translation>
    </message>
    <message>
        <source>Comparer avec la version du serveur…</source>
        <translation>Compare with the server&apos;s version…</translation>
    </message>
    <message>
        <source>Garder ma version</source>
        <translation>Keep my version</translation>
    </message>
    <message>
        <source>Garder celle du serveur</source>
        <translation>Keep the server&apos;s</translation>
    </message>
    <message>
        <source>Conflit réglé : votre version part au serveur.</source>
        <translation>Conflict settled: your version is going to the server.</translation>
    </message>
    <message>
        <source>Conflit réglé : la version du serveur est gardée.</source>
        <translation>Conflict settled: the server&apos;s version is kept.</translation>
    </message>
    <message>
        <source>Compte d&apos;agenda ajouté : ses événements arrivent.</source>
        <translation>Calendar account added: its events are coming.</translation>
    </message>
    <message>
        <source>Importer des événements</source>
        <translation>Import events</translation>
    </message>
    <message>
        <source>Agendas iCalendar (*.ics);;Tous les fichiers (*)</source>
        <translation>iCalendar calendars (*.ics);;All files (*)</translation>
    </message>
    <message>
        <source>Dans quel agenda ?</source>
        <translation>Into which calendar?</translation>
    </message>
    <message>
        <source>{0} événement(s) importé(s) ; ils partiront à la prochaine synchronisation.</source>
        <translation>{0} event(s) imported; they will leave at the next sync.</translation>
    </message>
    <message>
        <source>Exporter les agendas</source>
        <translation>Export the calendars</translation>
    </message>
    <message>
        <source>agendas.ics</source>
        <translation>calendars.ics</translation>
    </message>
    <message>
        <source>Agendas iCalendar (*.ics)</source>
        <translation>iCalendar calendars (*.ics)</translation>
    </message>
    <message>
        <source>{0} événement(s) exporté(s) vers {1}.</source>
        <translation>{0} event(s) exported to {1}.</translation>
    </message>
    <message>
        <source>Déplacer un événement répété</source>
        <translation>Move a repeating event</translation>
    </message>
    <message>
        <source>« {0} » se répète. Déplacer seulement cette occurrence, ou toute la série ?</source>
        <translation>“{0}” repeats. Move only this occurrence, or the whole series?</translation>
    </message>
    <message>
        <source>Cette occurrence</source>
        <translation>This occurrence</translation>
    </message>
    <message>
        <source>Toute la série</source>
        <translation>The whole series</translation>
    </message>
    <message>
        <source>Annuler</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>« {0} » est déplacé ; le changement partira à la prochaine synchronisation.</source>
        <translation>“{0}” is moved; the change will be sent at the next sync.</translation>
    </message>
</context>
<context>
    <name>ChatPage</name>
    <message>
        <source>Filtrer les salons</source>
        <translation>Filter rooms</translation>
    </message>
    <message>
        <source>Aller au salon… (Ctrl+K)</source>
        <translation>Go to room… (Ctrl+K)</translation>
    </message>
    <message>
        <source>Nouveau salon…</source>
        <translation>New room…</translation>
    </message>
    <message>
        <source>Nouveau salon</source>
        <translation>New room</translation>
    </message>
    <message>
        <source>Message direct…</source>
        <translation>Direct message…</translation>
    </message>
    <message>
        <source>Nouvelle conversation directe</source>
        <translation>New direct conversation</translation>
    </message>
    <message>
        <source>&lt;b&gt;Discussions&lt;/b&gt;</source>
        <translation>&lt;b&gt;Chat&lt;/b&gt;</translation>
    </message>
    <message>
        <source>Couper les notifications de ce salon</source>
        <translation>Mute this room&apos;s notifications</translation>
    </message>
    <message>
        <source>Qui écrit</source>
        <translation>Who is typing</translation>
    </message>
    <message>
        <source>&lt;p&gt;Aucun salon pour l&apos;instant.&lt;/p&gt;&lt;p&gt;Créez-en un pour échanger avec un service ou des collègues : « Nouveau salon… ».&lt;/p&gt;</source>
        <translation>&lt;p&gt;No rooms yet.&lt;/p&gt;&lt;p&gt;Create one to talk with a department or colleagues: “New room…”.&lt;/p&gt;</translation>
    </message>
    <message>
        <source>Aller au salon</source>
        <translation>Go to room</translation>
    </message>
    <message>
        <source>Message direct</source>
        <translation>Direct message</translation>
    </message>
    <message>
        <source>Avec qui ? (identifiants séparés par des virgules)</source>
        <translation>With whom? (user names, separated by commas)</translation>
    </message>
    <message>
        <source>🔕 Notifications coupées</source>
        <translation>🔕 Notifications muted</translation>
    </message>
    <message>
        <source>🔔 Notifications</source>
        <translation>🔔 Notifications</translation>
    </message>
    <message>
        <source>conversation directe</source>
        <translation>direct conversation</translation>
    </message>
    <message>
        <source>salon</source>
        <translation>room</translation>
    </message>
    <message>
        <source>Discussions</source>
        <translation>Chat</translation>
    </message>
    <message>
        <source>Supprimer le message</source>
        <translation>Delete message</translation>
    </message>
    <message>
        <source>Supprimer ce message pour tous les membres du salon ?</source>
        <translation>Delete this message for every member of the room?</translation>
    </message>
    <message>
        <source>Téléchargement de « {0} »…</source>
        <translation>Downloading “{0}”…</translation>
    </message>
    <message>
        <source>Impossible d&apos;ouvrir « {0} » : {1}</source>
        <translation>Cannot open “{0}”: {1}</translation>
    </message>
    <message>
        <source>{0} écrit…</source>
        <translation>{0} is typing…</translation>
    </message>
    <message>
        <source>{0} écrivent…</source>
        <translation>{0} are typing…</translation>
    </message>
    <message>
        <source>{0} dans {1}</source>
        <translation>{0} in {1}</translation>
    </message>
    <message>
        <source>Pièce jointe</source>
        <translation>Attachment</translation>
    </message>
</context>
<context>
    <name>CheckedAccountDialog</name>
    <message>
        <source>facultatif : l&apos;autorité de votre PKI interne (.pem)</source>
        <translation>optional: your internal PKI&apos;s authority (.pem)</translation>
    </message>
    <message>
        <source>Certificat de l&apos;autorité</source>
        <translation>Authority certificate</translation>
    </message>
    <message>
        <source>Parcourir…</source>
        <translation>Browse…</translation>
    </message>
    <message>
        <source>Vérifier et ajouter</source>
        <translation>Check and add</translation>
    </message>
    <message>
        <source>Annuler</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>Autorité :</source>
        <translation>Authority:</translation>
    </message>
    <message>
        <source>Autorité de certification</source>
        <translation>Certificate authority</translation>
    </message>
    <message>
        <source>Certificats (*.pem *.crt *.cer);;Tous les fichiers (*)</source>
        <translation>Certificates (*.pem *.crt *.cer);;All files (*)</translation>
    </message>
</context>
<context>
    <name>ComposeWindow</name>
    <message>
        <source>Destinataires</source>
        <translation>Recipients</translation>
    </message>
    <message>
        <source>Copie</source>
        <translation>Copy</translation>
    </message>
    <message>
        <source>Copie cachée</source>
        <translation>Blind copy</translation>
    </message>
    <message>
        <source>adresses séparées par des virgules</source>
        <translation>addresses separated by commas</translation>
    </message>
    <message>
        <source>Objet</source>
        <translation>Subject</translation>
    </message>
    <message>
        <source>Texte du message</source>
        <translation>Message text</translation>
    </message>
    <message>
        <source>À :</source>
        <translation>To:</translation>
    </message>
    <message>
        <source>Cc :</source>
        <translation>Cc:</translation>
    </message>
    <message>
        <source>Cci :</source>
        <translation>Bcc:</translation>
    </message>
    <message>
        <source>Objet :</source>
        <translation>Subject:</translation>
    </message>
    <message>
        <source>Envoyer</source>
        <translation>Send</translation>
    </message>
    <message>
        <source>Envoyer (Ctrl+Entrée)</source>
        <translation>Send (Ctrl+Enter)</translation>
    </message>
    <message>
        <source>Joindre…</source>
        <translation>Attach…</translation>
    </message>
    <message>
        <source>Le message part de la boîte d&apos;envoi dès que le serveur est joignable.</source>
        <translation>The message leaves the outbox as soon as the server can be reached.</translation>
    </message>
    <message>
        <source>Joindre des fichiers</source>
        <translation>Attach files</translation>
    </message>
    <message>
        <source>Indiquez au moins un destinataire.</source>
        <translation>Give at least one recipient.</translation>
    </message>
    <message>
        <source>Abandonner ce message ? Il n&apos;a pas été envoyé.</source>
        <translation>Discard this message? It has not been sent.</translation>
    </message>
</context>
<context>
    <name>Composer</name>
    <message>
        <source>Annuler la réponse ou la modification</source>
        <translation>Cancel the reply or the edit</translation>
    </message>
    <message>
        <source>Hors ligne : vos messages sont gardés et partiront au retour du réseau.</source>
        <translation>Offline: your messages are kept and will leave when the network is back.</translation>
    </message>
    <message>
        <source>Votre message</source>
        <translation>Your message</translation>
    </message>
    <message>
        <source>Écrire un message… (Entrée pour envoyer, Maj+Entrée pour aller à la ligne, @ pour mentionner)</source>
        <translation>Write a message… (Enter to send, Shift+Enter for a new line, @ to mention)</translation>
    </message>
    <message>
        <source>Joindre…</source>
        <translation>Attach…</translation>
    </message>
    <message>
        <source>Joindre un fichier</source>
        <translation>Attach a file</translation>
    </message>
    <message>
        <source>Joindre un fichier (Ctrl+Maj+J)</source>
        <translation>Attach a file (Ctrl+Shift+J)</translation>
    </message>
    <message>
        <source>Envoyer</source>
        <translation>Send</translation>
    </message>
    <message>
        <source>Envoyer le message</source>
        <translation>Send the message</translation>
    </message>
    <message>
        <source>Réponse à {0} : « {1} »</source>
        <translation>Reply to {0}: “{1}”</translation>
    </message>
    <message>
        <source>Modification de votre message (Échap pour annuler)</source>
        <translation>Editing your message (Esc to cancel)</translation>
    </message>
    <message>
        <source>Joindre des fichiers</source>
        <translation>Attach files</translation>
    </message>
    <message>
        <source>(Échap pour retirer)</source>
        <translation>(Esc to remove)</translation>
    </message>
</context>
<context>
    <name>Conversation</name>
    <message>
        <source>Messages du salon</source>
        <translation>Room messages</translation>
    </message>
    <message>
        <source>Afficher les messages précédents</source>
        <translation>Show earlier messages</translation>
    </message>
    <message>
        <source>Aujourd&apos;hui</source>
        <translation>Today</translation>
    </message>
    <message>
        <source>Hier</source>
        <translation>Yesterday</translation>
    </message>
    <message>
        <source>Moi</source>
        <translation>Me</translation>
    </message>
    <message>
        <source>↪ En réponse à un message plus ancien</source>
        <translation>↪ In reply to an older message</translation>
    </message>
    <message>
        <source>message supprimé</source>
        <translation>message deleted</translation>
    </message>
    <message>
        <source>Message supprimé</source>
        <translation>Message deleted</translation>
    </message>
    <message>
        <source>(modifié)</source>
        <translation>(edited)</translation>
    </message>
    <message>
        <source>⏳ En attente d&apos;envoi</source>
        <translation>⏳ Waiting to be sent</translation>
    </message>
    <message>
        <source>refusé par le serveur</source>
        <translation>refused by the server</translation>
    </message>
    <message>
        <source>⚠ Non envoyé : {0}</source>
        <translation>⚠ Not sent: {0}</translation>
    </message>
    <message>
        <source>Réessayer</source>
        <translation>Retry</translation>
    </message>
    <message>
        <source>Réessayer l&apos;envoi</source>
        <translation>Retry sending</translation>
    </message>
    <message>
        <source>Répondre</source>
        <translation>Reply</translation>
    </message>
    <message>
        <source>Réagir</source>
        <translation>React</translation>
    </message>
    <message>
        <source>Copier le texte</source>
        <translation>Copy text</translation>
    </message>
    <message>
        <source>Modifier</source>
        <translation>Edit</translation>
    </message>
    <message>
        <source>Supprimer</source>
        <translation>Delete</translation>
    </message>
</context>
<context>
    <name>DocumentDialogs</name>
    <message>
        <source>Renommer le document</source>
        <translation>Rename document</translation>
    </message>
    <message>
        <source>Nouveau titre :</source>
        <translation>New title:</translation>
    </message>
    <message>
        <source>Nouveau titre</source>
        <translation>New title</translation>
    </message>
    <message>
        <source>Supprimer le document</source>
        <translation>Delete document</translation>
    </message>
    <message>
        <source>Supprimer « {0} » ?</source>
        <translation>Delete “{0}”?</translation>
    </message>
    <message>
        <source>Le document sera supprimé pour toutes les personnes avec qui il est partagé.</source>
        <translation>The document will be deleted for everyone it is shared with.</translation>
    </message>
    <message>
        <source>Vous quitterez ce document partagé ; les autres participants le gardent.</source>
        <translation>You will leave this shared document; the other participants keep it.</translation>
    </message>
    <message>
        <source>Supprimer</source>
        <translation>Delete</translation>
    </message>
    <message>
        <source>Annuler</source>
        <translation>Cancel</translation>
    </message>
</context>
<context>
    <name>DocumentList</name>
    <message>
        <source>Rechercher dans les documents…</source>
        <translation>Search documents…</translation>
    </message>
    <message>
        <source>Rechercher dans les documents</source>
        <translation>Search documents</translation>
    </message>
    <message>
        <source>Filtrer les documents</source>
        <translation>Filter documents</translation>
    </message>
    <message>
        <source>Tous les documents</source>
        <translation>All documents</translation>
    </message>
    <message>
        <source>Mes documents</source>
        <translation>My documents</translation>
    </message>
    <message>
        <source>Partagés avec moi</source>
        <translation>Shared with me</translation>
    </message>
    <message>
        <source>En attente d&apos;envoi</source>
        <translation>Waiting to be sent</translation>
    </message>
    <message>
        <source>Modifié {0}</source>
        <translation>Modified {0}</translation>
    </message>
    <message>
        <source>Partagé, {0}</source>
        <translation>Shared, {0}</translation>
    </message>
    <message>
        <source>synchronisé</source>
        <translation>synced</translation>
    </message>
    <message>
        <source>à envoyer</source>
        <translation>to send</translation>
    </message>
    <message>
        <source>Liste des documents</source>
        <translation>Document list</translation>
    </message>
    <message>
        <source>&lt;h3&gt;Aucun document pour l&apos;instant&lt;/h3&gt;&lt;p&gt;Créez un document, ou un procès-verbal prêt à remplir.&lt;/p&gt;</source>
        <translation>&lt;h3&gt;No documents yet&lt;/h3&gt;&lt;p&gt;Create a document, or a set of minutes ready to fill in.&lt;/p&gt;</translation>
    </message>
    <message>
        <source>Nouveau document</source>
        <translation>New document</translation>
    </message>
    <message>
        <source>Nouveau procès-verbal</source>
        <translation>New minutes</translation>
    </message>
    <message>
        <source>Aucun document ne correspond.</source>
        <translation>No matching documents.</translation>
    </message>
    <message>
        <source>Propriétaire</source>
        <translation>Owner</translation>
    </message>
    <message>
        <source>&apos;aujourd&apos;&apos;hui à&apos; HH:mm</source>
        <translation>&apos;today at&apos; HH:mm</translation>
    </message>
    <message>
        <source>&apos;hier à&apos; HH:mm</source>
        <translation>&apos;yesterday at&apos; HH:mm</translation>
    </message>
    <message>
        <source>&apos;le&apos; dd/MM/yyyy &apos;à&apos; HH:mm</source>
        <translation>&apos;on&apos; dd/MM/yyyy &apos;at&apos; HH:mm</translation>
    </message>
    <message>
        <source>Modification</source>
        <translation>Can edit</translation>
    </message>
    <message>
        <source>Lecture seule</source>
        <translation>Read only</translation>
    </message>
    <message>
        <source>(sans titre)</source>
        <translation>(untitled)</translation>
    </message>
</context>
<context>
    <name>DocumentTab</name>
    <message>
        <source>Texte du document</source>
        <translation>Document text</translation>
    </message>
    <message>
        <source>Mise en forme</source>
        <translation>Formatting</translation>
    </message>
    <message>
        <source>Barre de mise en forme</source>
        <translation>Formatting toolbar</translation>
    </message>
    <message>
        <source>Autres outils de mise en forme</source>
        <translation>More formatting tools</translation>
    </message>
    <message>
        <source>Personnes présentes dans le document</source>
        <translation>People in this document</translation>
    </message>
    <message>
        <source>Lecture seule</source>
        <translation>Read only</translation>
    </message>
    <message>
        <source>Style de paragraphe</source>
        <translation>Paragraph style</translation>
    </message>
    <message>
        <source>Paragraphe</source>
        <translation>Paragraph</translation>
    </message>
    <message>
        <source>Titre 1</source>
        <translation>Heading 1</translation>
    </message>
    <message>
        <source>Titre 2</source>
        <translation>Heading 2</translation>
    </message>
    <message>
        <source>Titre 3</source>
        <translation>Heading 3</translation>
    </message>
    <message>
        <source>Aussi dans ce document : {0}</source>
        <translation>Also in this document: {0}</translation>
    </message>
</context>
<context>
    <name>DocumentsPage</name>
    <message>
        <source>Documents ouverts</source>
        <translation>Open documents</translation>
    </message>
    <message>
        <source>&lt;p&gt;Ouvrez un document dans la liste, ou créez-en un (Ctrl+N).&lt;/p&gt;</source>
        <translation>&lt;p&gt;Open a document from the list, or create one (Ctrl+N).&lt;/p&gt;</translation>
    </message>
    <message>
        <source>Nouveau document</source>
        <translation>New document</translation>
    </message>
    <message>
        <source>Nouveau procès-verbal</source>
        <translation>New minutes</translation>
    </message>
    <message>
        <source>Exporter…</source>
        <translation>Export…</translation>
    </message>
    <message>
        <source>Fermer le document</source>
        <translation>Close document</translation>
    </message>
    <message>
        <source>Rechercher</source>
        <translation>Search</translation>
    </message>
    <message>
        <source>Renommer…</source>
        <translation>Rename…</translation>
    </message>
    <message>
        <source>Partager…</source>
        <translation>Share…</translation>
    </message>
    <message>
        <source>Supprimer…</source>
        <translation>Delete…</translation>
    </message>
    <message>
        <source>« {0} » a été supprimé par son propriétaire, ou ne vous est plus partagé.</source>
        <translation>“{0}” was deleted by its owner, or is no longer shared with you.</translation>
    </message>
    <message>
        <source>Sans titre</source>
        <translation>Untitled</translation>
    </message>
    <message>
        <source>Moi</source>
        <translation>Me</translation>
    </message>
    <message>
        <source>(sans titre)</source>
        <translation>(untitled)</translation>
    </message>
    <message>
        <source>Fermer le document (Ctrl+W)</source>
        <translation>Close document (Ctrl+W)</translation>
    </message>
    <message>
        <source>Partage avec {0} en cours d&apos;envoi.</source>
        <translation>Share with {0} is being sent.</translation>
    </message>
    <message>
        <source>document</source>
        <translation>document</translation>
    </message>
    <message>
        <source>Texte OpenDocument (*.odt)</source>
        <translation>OpenDocument Text (*.odt)</translation>
    </message>
    <message>
        <source>PDF (*.pdf)</source>
        <translation>PDF (*.pdf)</translation>
    </message>
    <message>
        <source>Page web (*.html)</source>
        <translation>Web page (*.html)</translation>
    </message>
    <message>
        <source>Markdown (*.md)</source>
        <translation>Markdown (*.md)</translation>
    </message>
    <message>
        <source>Texte brut (*.txt)</source>
        <translation>Plain text (*.txt)</translation>
    </message>
    <message>
        <source>Exporter le document</source>
        <translation>Export document</translation>
    </message>
    <message>
        <source>Exporté vers {0}</source>
        <translation>Exported to {0}</translation>
    </message>
    <message>
        <source>Parvis</source>
        <translation>Parvis</translation>
    </message>
</context>
<context>
    <name>EventDialog</name>
    <message>
        <source>Nouvel événement</source>
        <translation>New event</translation>
    </message>
    <message>
        <source>Modifier l&apos;événement</source>
        <translation>Edit the event</translation>
    </message>
    <message>
        <source>Titre</source>
        <translation>Title</translation>
    </message>
    <message>
        <source>par exemple : Conseil municipal</source>
        <translation>for example: Municipal council</translation>
    </message>
    <message>
        <source>Lieu</source>
        <translation>Place</translation>
    </message>
    <message>
        <source>par exemple : salle du conseil, mairie</source>
        <translation>for example: council chamber, town hall</translation>
    </message>
    <message>
        <source>Agenda</source>
        <translation>Calendar</translation>
    </message>
    <message>
        <source>Début</source>
        <translation>Start</translation>
    </message>
    <message>
        <source>Fin</source>
        <translation>End</translation>
    </message>
    <message>
        <source>Toute la journée</source>
        <translation>All day</translation>
    </message>
    <message>
        <source>heure de Paris</source>
        <translation>Paris time</translation>
    </message>
    <message>
        <source>Répétition</source>
        <translation>Repeat</translation>
    </message>
    <message>
        <source>Ne se répète pas</source>
        <translation>Does not repeat</translation>
    </message>
    <message>
        <source>Tous les jours</source>
        <translation>Every day</translation>
    </message>
    <message>
        <source>Toutes les semaines</source>
        <translation>Every week</translation>
    </message>
    <message>
        <source>Tous les mois</source>
        <translation>Every month</translation>
    </message>
    <message>
        <source>Tous les ans</source>
        <translation>Every year</translation>
    </message>
    <message>
        <source>Personnalisée ({0})</source>
        <translation>Custom ({0})</translation>
    </message>
    <message>
        <source>Rappel</source>
        <translation>Reminder</translation>
    </message>
    <message>
        <source>Aucun rappel</source>
        <translation>No reminder</translation>
    </message>
    <message>
        <source>15 minutes avant</source>
        <translation>15 minutes before</translation>
    </message>
    <message>
        <source>1 heure avant</source>
        <translation>1 hour before</translation>
    </message>
    <message>
        <source>1 jour avant</source>
        <translation>1 day before</translation>
    </message>
    <message>
        <source>{0} minutes avant</source>
        <translation>{0} minutes before</translation>
    </message>
    <message>
        <source>Participants</source>
        <translation>Attendees</translation>
    </message>
    <message>
        <source>noms ou adresses, séparés par des virgules</source>
        <translation>names or addresses, separated by commas</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>Notes</translation>
    </message>
    <message>
        <source>Titre :</source>
        <translation>Title:</translation>
    </message>
    <message>
        <source>Lieu :</source>
        <translation>Place:</translation>
    </message>
    <message>
        <source>Agenda :</source>
        <translation>Calendar:</translation>
    </message>
    <message>
        <source>Quand :</source>
        <translation>When:</translation>
    </message>
    <message>
        <source>Répétition :</source>
        <translation>Repeat:</translation>
    </message>
    <message>
        <source>Rappel :</source>
        <translation>Reminder:</translation>
    </message>
    <message>
        <source>Participants :</source>
        <translation>Attendees:</translation>
    </message>
    <message>
        <source>Notes :</source>
        <translation>Notes:</translation>
    </message>
    <message>
        <source>Enregistrer</source>
        <translation>Save</translation>
    </message>
    <message>
        <source>Annuler</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>Ouvrir le procès-verbal</source>
        <translation>Open the minutes</translation>
    </message>
    <message>
        <source>Créer le procès-verbal</source>
        <translation>Create the minutes</translation>
    </message>
    <message>
        <source>Supprimer</source>
        <translation>Delete</translation>
    </message>
    <message>
        <source>⚠ Cet événement a été modifié sur le serveur pendant que vous le modifiiez ici. Votre version, ci-dessous, reste sur ce poste tant que vous n&apos;avez pas choisi.</source>
        <translation>⚠ This event was changed on the server while you were changing it here. Your version, below, stays on this PC until you choose.</translation>
    </message>
    <message>
        <source>Version du serveur : &lt;b&gt;{0}&lt;/b&gt;, {1}</source>
        <translation>Server&apos;s version: &lt;b&gt;{0}&lt;/b&gt;, {1}</translation>
    </message>
    <message>
        <source>Garder ma version</source>
        <translation>Keep my version</translation>
    </message>
    <message>
        <source>Votre version remplace celle du serveur (avec vos modifications de ce formulaire)</source>
        <translation>Your version replaces the server&apos;s (with your changes in this form)</translation>
    </message>
    <message>
        <source>Garder celle du serveur</source>
        <translation>Keep the server&apos;s</translation>
    </message>
    <message>
        <source>Votre version est supprimée</source>
        <translation>Your version is deleted</translation>
    </message>
    <message>
        <source>le {0}</source>
        <translation>on {0}</translation>
    </message>
    <message>
        <source>du {0} au {1}</source>
        <translation>from {0} to {1}</translation>
    </message>
    <message>
        <source>le {0} de {1} à {2}</source>
        <translation>on {0} from {1} to {2}</translation>
    </message>
    <message>
        <source>Modification en attente d&apos;envoi au serveur.</source>
        <translation>Change waiting to be sent to the server.</translation>
    </message>
</context>
<context>
    <name>MailPage</name>
    <message>
        <source>Dossiers de messagerie</source>
        <translation>Mail folders</translation>
    </message>
    <message>
        <source>Nouveau message</source>
        <translation>New message</translation>
    </message>
    <message>
        <source>Nouveau message (Ctrl+N)</source>
        <translation>New message (Ctrl+N)</translation>
    </message>
    <message>
        <source>Ajouter un compte…</source>
        <translation>Add an account…</translation>
    </message>
    <message>
        <source>Ajouter un compte de messagerie</source>
        <translation>Add a mail account</translation>
    </message>
    <message>
        <source>Rechercher dans le dossier… (Ctrl+F)</source>
        <translation>Search this folder… (Ctrl+F)</translation>
    </message>
    <message>
        <source>Rechercher dans les messages</source>
        <translation>Search messages</translation>
    </message>
    <message>
        <source>Trier par</source>
        <translation>Sort by</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>Date</translation>
    </message>
    <message>
        <source>Expéditeur</source>
        <translation>Sender</translation>
    </message>
    <message>
        <source>Objet</source>
        <translation>Subject</translation>
    </message>
    <message>
        <source>Liste des messages</source>
        <translation>Message list</translation>
    </message>
    <message>
        <source>&lt;p&gt;Aucun compte de messagerie.&lt;/p&gt;&lt;p&gt;Ajoutez celui de votre collectivité : Parvis garde ensuite vos messages chiffrés sur cet ordinateur, lisibles et traitables hors ligne.&lt;/p&gt;</source>
        <translation>&lt;p&gt;No mail account.&lt;/p&gt;&lt;p&gt;Add your authority&apos;s: Parvis then keeps your messages encrypted on this computer, readable and workable offline.&lt;/p&gt;</translation>
    </message>
    <message>
        <source>Ajouter un compte de messagerie…</source>
        <translation>Add a mail account…</translation>
    </message>
    <message>
        <source>Répondre</source>
        <translation>Reply</translation>
    </message>
    <message>
        <source>Répondre à tous</source>
        <translation>Reply all</translation>
    </message>
    <message>
        <source>Transférer</source>
        <translation>Forward</translation>
    </message>
    <message>
        <source>Supprimer</source>
        <translation>Delete</translation>
    </message>
    <message>
        <source>Rechercher</source>
        <translation>Search</translation>
    </message>
    <message>
        <source>Boîte d&apos;envoi</source>
        <translation>Outbox</translation>
    </message>
    <message>
        <source>{0} nouveau(x) message(s)</source>
        <translation>{0} new message(s)</translation>
    </message>
    <message>
        <source>Contenu du message indisponible : {0}</source>
        <translation>Message content unavailable: {0}</translation>
    </message>
    <message>
        <source>Lu</source>
        <translation>Read</translation>
    </message>
    <message>
        <source>Non lu</source>
        <translation>Unread</translation>
    </message>
    <message>
        <source>Suivi</source>
        <translation>Flag</translation>
    </message>
    <message>
        <source>Retirer le suivi</source>
        <translation>Unflag</translation>
    </message>
    <message>
        <source>Enregistrer la pièce jointe</source>
        <translation>Save attachment</translation>
    </message>
    <message>
        <source>Enregistré : {0}</source>
        <translation>Saved: {0}</translation>
    </message>
    <message>
        <source>Aucun compte de messagerie.</source>
        <translation>No mail account.</translation>
    </message>
    <message>
        <source>Message placé dans la boîte d&apos;envoi.</source>
        <translation>Message placed in the outbox.</translation>
    </message>
    <message>
        <source>Messagerie</source>
        <translation>Mail</translation>
    </message>
    <message>
        <source>Compte ajouté : relève du courrier…</source>
        <translation>Account added: fetching mail…</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Parvis</source>
        <translation>Parvis</translation>
    </message>
    <message>
        <source>Modules</source>
        <translation>Modules</translation>
    </message>
    <message>
        <source>Documents</source>
        <translation>Documents</translation>
    </message>
    <message>
        <source>Discussions</source>
        <translation>Chat</translation>
    </message>
    <message>
        <source>Messagerie</source>
        <translation>Mail</translation>
    </message>
    <message>
        <source>Agenda</source>
        <translation>Calendar</translation>
    </message>
    <message>
        <source>Fichiers</source>
        <translation>Files</translation>
    </message>
    <message>
        <source>Nombre de mots et de caractères</source>
        <translation>Word and character count</translation>
    </message>
    <message>
        <source>Synchronisation</source>
        <translation>Sync</translation>
    </message>
    <message>
        <source>{0} (et {1} autre(s))</source>
        <translation>{0} (and {1} more)</translation>
    </message>
    <message>
        <source>{0}, {1} messages non lus</source>
        <translation>{0}, {1} unread messages</translation>
    </message>
    <message>
        <source>&amp;Fichier</source>
        <translation>&amp;File</translation>
    </message>
    <message>
        <source>Quitter</source>
        <translation>Quit</translation>
    </message>
    <message>
        <source>&amp;Édition</source>
        <translation>&amp;Edit</translation>
    </message>
    <message>
        <source>&amp;Synchronisation</source>
        <translation>&amp;Sync</translation>
    </message>
    <message>
        <source>Synchroniser maintenant</source>
        <translation>Sync now</translation>
    </message>
    <message>
        <source>&amp;Affichage</source>
        <translation>&amp;View</translation>
    </message>
    <message>
        <source>Langue</source>
        <translation>Language</translation>
    </message>
    <message>
        <source>&amp;Aide</source>
        <translation>&amp;Help</translation>
    </message>
    <message>
        <source>Raccourcis clavier</source>
        <translation>Keyboard shortcuts</translation>
    </message>
    <message>
        <source>À propos de Parvis</source>
        <translation>About Parvis</translation>
    </message>
    <message>
        <source>&lt;b&gt;Parvis&lt;/b&gt;&lt;br&gt;Suite bureautique hors ligne d&apos;abord pour les collectivités.&lt;br&gt;Vos données sont chiffrées sur cet ordinateur.</source>
        <translation>&lt;b&gt;Parvis&lt;/b&gt;&lt;br&gt;Offline-first office suite for local authorities.&lt;br&gt;Your data is encrypted on this computer.</translation>
    </message>
    <message>
        <source>{0} mots · {1} caractères</source>
        <translation>{0} words · {1} characters</translation>
    </message>
    <message>
        <source>La nouvelle langue s&apos;appliquera au prochain démarrage de Parvis.</source>
        <translation>The new language will apply the next time Parvis starts.</translation>
    </message>
    <message>
        <source>Nouveau document</source>
        <translation>New document</translation>
    </message>
    <message>
        <source>Nouveau procès-verbal</source>
        <translation>New minutes</translation>
    </message>
    <message>
        <source>Rechercher</source>
        <translation>Search</translation>
    </message>
    <message>
        <source>Exporter</source>
        <translation>Export</translation>
    </message>
    <message>
        <source>Renommer</source>
        <translation>Rename</translation>
    </message>
    <message>
        <source>Discussions : aller au salon</source>
        <translation>Chat: go to room</translation>
    </message>
    <message>
        <source>Discussions : envoyer, aller à la ligne</source>
        <translation>Chat: send, new line</translation>
    </message>
    <message>
        <source>Discussions : modifier son dernier message</source>
        <translation>Chat: edit your last message</translation>
    </message>
    <message>
        <source>Discussions : joindre un fichier</source>
        <translation>Chat: attach a file</translation>
    </message>
    <message>
        <source>Fichiers : ouvrir le fichier choisi</source>
        <translation>Files: open the selected file</translation>
    </message>
    <message>
        <source>Partager</source>
        <translation>Share</translation>
    </message>
    <message>
        <source>Fermer le document</source>
        <translation>Close document</translation>
    </message>
    <message>
        <source>Gras, italique, souligné</source>
        <translation>Bold, italic, underline</translation>
    </message>
    <message>
        <source>Titres 1 à 3, paragraphe</source>
        <translation>Headings 1 to 3, paragraph</translation>
    </message>
    <message>
        <source>Annuler, rétablir</source>
        <translation>Undo, redo</translation>
    </message>
</context>
<context>
    <name>MonthView</name>
    <message>
        <source>lundi</source>
        <translation>Monday</translation>
    </message>
    <message>
        <source>mardi</source>
        <translation>Tuesday</translation>
    </message>
    <message>
        <source>mercredi</source>
        <translation>Wednesday</translation>
    </message>
    <message>
        <source>jeudi</source>
        <translation>Thursday</translation>
    </message>
    <message>
        <source>vendredi</source>
        <translation>Friday</translation>
    </message>
    <message>
        <source>samedi</source>
        <translation>Saturday</translation>
    </message>
    <message>
        <source>dimanche</source>
        <translation>Sunday</translation>
    </message>
    <message>
        <source>janv.</source>
        <translation>Jan</translation>
    </message>
    <message>
        <source>févr.</source>
        <translation>Feb</translation>
    </message>
    <message>
        <source>mars</source>
        <translation>Mar</translation>
    </message>
    <message>
        <source>avr.</source>
        <translation>Apr</translation>
    </message>
    <message>
        <source>mai</source>
        <translation>May</translation>
    </message>
    <message>
        <source>juin</source>
        <translation>Jun</translation>
    </message>
    <message>
        <source>juil.</source>
        <translation>Jul</translation>
    </message>
    <message>
        <source>août</source>
        <translation>Aug</translation>
    </message>
    <message>
        <source>sept.</source>
        <translation>Sep</translation>
    </message>
    <message>
        <source>oct.</source>
        <translation>Oct</translation>
    </message>
    <message>
        <source>nov.</source>
        <translation>Nov</translation>
    </message>
    <message>
        <source>déc.</source>
        <translation>Dec</translation>
    </message>
    <message>
        <source>Vue du mois</source>
        <translation>Month view</translation>
    </message>
    <message>
        <source>+{0} autres</source>
        <translation>+{0} more</translation>
    </message>
</context>
<context>
    <name>NewFolderDialog</name>
    <message>
        <source>Nouveau dossier partagé</source>
        <translation>New shared folder</translation>
    </message>
    <message>
        <source>par exemple : Urbanisme – permis de construire</source>
        <translation>for example: Planning – building permits</translation>
    </message>
    <message>
        <source>Nom du dossier</source>
        <translation>Folder name</translation>
    </message>
    <message>
        <source>identifiants séparés par des virgules</source>
        <translation>user names, separated by commas</translation>
    </message>
    <message>
        <source>Membres</source>
        <translation>Members</translation>
    </message>
    <message>
        <source>facultatif : un service entier, par exemple urbanisme</source>
        <translation>optional: a whole department, for example planning</translation>
    </message>
    <message>
        <source>Groupe</source>
        <translation>Group</translation>
    </message>
    <message>
        <source>Nom :</source>
        <translation>Name:</translation>
    </message>
    <message>
        <source>Membres :</source>
        <translation>Members:</translation>
    </message>
    <message>
        <source>Ouvert au groupe :</source>
        <translation>Open to group:</translation>
    </message>
    <message>
        <source>Vous en serez propriétaire ; les membres peuvent modifier les fichiers. Le dossier est créé sur le serveur : il faut être connecté.</source>
        <translation>You will be its owner; members can edit the files. The folder is created on the server: you need to be online.</translation>
    </message>
    <message>
        <source>Créer</source>
        <translation>Create</translation>
    </message>
    <message>
        <source>Annuler</source>
        <translation>Cancel</translation>
    </message>
</context>
<context>
    <name>NewRoomDialog</name>
    <message>
        <source>Nouveau salon</source>
        <translation>New room</translation>
    </message>
    <message>
        <source>Nom du salon</source>
        <translation>Room name</translation>
    </message>
    <message>
        <source>par exemple : Urbanisme – voirie</source>
        <translation>for example: Planning – roads</translation>
    </message>
    <message>
        <source>Membres</source>
        <translation>Members</translation>
    </message>
    <message>
        <source>identifiants séparés par des virgules</source>
        <translation>user names, separated by commas</translation>
    </message>
    <message>
        <source>Groupe</source>
        <translation>Group</translation>
    </message>
    <message>
        <source>facultatif : un service entier, par exemple urbanisme</source>
        <translation>optional: a whole department, for example planning</translation>
    </message>
    <message>
        <source>Nom :</source>
        <translation>Name:</translation>
    </message>
    <message>
        <source>Membres :</source>
        <translation>Members:</translation>
    </message>
    <message>
        <source>Ouvert au groupe :</source>
        <translation>Open to group:</translation>
    </message>
    <message>
        <source>Créer</source>
        <translation>Create</translation>
    </message>
    <message>
        <source>Annuler</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>Vous en serez administrateur. Les membres du groupe y ont accès d&apos;office ; le salon est créé tout de suite, même hors ligne, et sur le serveur à la prochaine synchronisation.</source>
        <translation>You will be its administrator. Members of the group have access automatically; the room is created at once, even offline, and on the server at the next sync.</translation>
    </message>
</context>
<context>
    <name>Reader</name>
    <message>
        <source>Les images distantes de ce message sont bloquées, pour votre vie privée.</source>
        <translation>Remote images in this message are blocked, for your privacy.</translation>
    </message>
    <message>
        <source>Afficher les images</source>
        <translation>Show images</translation>
    </message>
    <message>
        <source>Texte du message</source>
        <translation>Message text</translation>
    </message>
    <message>
        <source>Répondre</source>
        <translation>Reply</translation>
    </message>
    <message>
        <source>Répondre à tous</source>
        <translation>Reply all</translation>
    </message>
    <message>
        <source>Transférer</source>
        <translation>Forward</translation>
    </message>
    <message>
        <source>Non lu</source>
        <translation>Unread</translation>
    </message>
    <message>
        <source>Suivi</source>
        <translation>Flag</translation>
    </message>
    <message>
        <source>Actions sur le message</source>
        <translation>Message actions</translation>
    </message>
    <message>
        <source>Supprimer</source>
        <translation>Delete</translation>
    </message>
    <message>
        <source>Déplacer</source>
        <translation>Move</translation>
    </message>
    <message>
        <source>Déplacer vers un autre dossier</source>
        <translation>Move to another folder</translation>
    </message>
    <message>
        <source>Choisissez un message dans la liste.</source>
        <translation>Choose a message in the list.</translation>
    </message>
    <message>
        <source>Lu</source>
        <translation>Read</translation>
    </message>
    <message>
        <source>Retirer le suivi</source>
        <translation>Unflag</translation>
    </message>
    <message>
        <source>(sans objet)</source>
        <translation>(no subject)</translation>
    </message>
    <message>
        <source>De</source>
        <translation>From</translation>
    </message>
    <message>
        <source>À</source>
        <translation>To</translation>
    </message>
    <message>
        <source>Cc</source>
        <translation>Cc</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>Date</translation>
    </message>
    <message>
        <source>Seuls les en-têtes de ce message sont sur cet ordinateur. Son contenu sera téléchargé dès que le serveur sera joignable.</source>
        <translation>Only this message&apos;s headers are on this computer. Its content will be downloaded as soon as the server can be reached.</translation>
    </message>
    <message>
        <source>Ouvrir ; clic droit pour enregistrer</source>
        <translation>Open; right-click to save</translation>
    </message>
    <message>
        <source>Pièce jointe {0}</source>
        <translation>Attachment {0}</translation>
    </message>
    <message>
        <source>Ouvrir cette adresse dans le navigateur ?

{0}</source>
        <translation>Open this address in the browser?

{0}</translation>
    </message>
    <message>
        <source>Ouvrir le lien</source>
        <translation>Open link</translation>
    </message>
</context>
<context>
    <name>RichTextEditor</name>
    <message>
        <source>Texte du document</source>
        <translation>Document text</translation>
    </message>
    <message>
        <source>Éditeur de texte enrichi, modifiable à plusieurs</source>
        <translation>Collaborative rich text editor</translation>
    </message>
    <message>
        <source>Gras</source>
        <translation>Bold</translation>
    </message>
    <message>
        <source>Italique</source>
        <translation>Italic</translation>
    </message>
    <message>
        <source>Souligné</source>
        <translation>Underline</translation>
    </message>
    <message>
        <source>Barré</source>
        <translation>Strikethrough</translation>
    </message>
    <message>
        <source>Titre 1</source>
        <translation>Heading 1</translation>
    </message>
    <message>
        <source>Titre 2</source>
        <translation>Heading 2</translation>
    </message>
    <message>
        <source>Titre 3</source>
        <translation>Heading 3</translation>
    </message>
    <message>
        <source>Paragraphe normal</source>
        <translation>Normal paragraph</translation>
    </message>
    <message>
        <source>Liste à puces</source>
        <translation>Bulleted list</translation>
    </message>
    <message>
        <source>Liste numérotée</source>
        <translation>Numbered list</translation>
    </message>
    <message>
        <source>Aligner à gauche</source>
        <translation>Align left</translation>
    </message>
    <message>
        <source>Centrer</source>
        <translation>Centre</translation>
    </message>
    <message>
        <source>Aligner à droite</source>
        <translation>Align right</translation>
    </message>
    <message>
        <source>Justifier</source>
        <translation>Justify</translation>
    </message>
    <message>
        <source>Lien…</source>
        <translation>Link…</translation>
    </message>
    <message>
        <source>Annuler</source>
        <translation>Undo</translation>
    </message>
    <message>
        <source>Rétablir</source>
        <translation>Redo</translation>
    </message>
    <message>
        <source>Lien</source>
        <translation>Link</translation>
    </message>
    <message>
        <source>Adresse du lien (vide pour retirer le lien) :</source>
        <translation>Link address (leave empty to remove the link):</translation>
    </message>
</context>
<context>
    <name>RoomList</name>
    <message>
        <source>Salons de discussion</source>
        <translation>Chat rooms</translation>
    </message>
    <message>
        <source>{0} non lus</source>
        <translation>{0} unread</translation>
    </message>
    <message>
        <source>rien de nouveau</source>
        <translation>nothing new</translation>
    </message>
</context>
<context>
    <name>ShareDialog</name>
    <message>
        <source>Partager « {0} »</source>
        <translation>Share “{0}”</translation>
    </message>
    <message>
        <source>Partage du document</source>
        <translation>Document sharing</translation>
    </message>
    <message>
        <source>identifiant, par exemple m.dupre</source>
        <translation>username, e.g. m.dupre</translation>
    </message>
    <message>
        <source>Identifiant de la personne</source>
        <translation>Person&apos;s username</translation>
    </message>
    <message>
        <source>Rôle</source>
        <translation>Role</translation>
    </message>
    <message>
        <source>Peut modifier</source>
        <translation>Can edit</translation>
    </message>
    <message>
        <source>Lecture seule</source>
        <translation>Read only</translation>
    </message>
    <message>
        <source>Propriétaire</source>
        <translation>Owner</translation>
    </message>
    <message>
        <source>Le partage part à la prochaine synchronisation ; hors ligne, il attend le retour du réseau.</source>
        <translation>The share is sent at the next sync; while offline, it waits until the network is back.</translation>
    </message>
    <message>
        <source>Ce profil travaille sans serveur : pour partager, connectez-le au serveur de la collectivité.</source>
        <translation>This profile works without a server: to share, connect it to your local authority&apos;s server.</translation>
    </message>
    <message>
        <source>Partager avec :</source>
        <translation>Share with:</translation>
    </message>
    <message>
        <source>Rôle :</source>
        <translation>Role:</translation>
    </message>
    <message>
        <source>Partager</source>
        <translation>Share</translation>
    </message>
    <message>
        <source>Annuler</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>Indiquez l&apos;identifiant de la personne.</source>
        <translation>Enter the person&apos;s username.</translation>
    </message>
</context>
<context>
    <name>ShareFolderDialog</name>
    <message>
        <source>Partager « {0} »</source>
        <translation>Share “{0}”</translation>
    </message>
    <message>
        <source>Propriétaire</source>
        <translation>Owner</translation>
    </message>
    <message>
        <source>Peut modifier</source>
        <translation>Can edit</translation>
    </message>
    <message>
        <source>Lecture seule</source>
        <translation>Read only</translation>
    </message>
    <message>
        <source>Personne</source>
        <translation>Person</translation>
    </message>
    <message>
        <source>Rôle</source>
        <translation>Role</translation>
    </message>
    <message>
        <source>Membres du dossier</source>
        <translation>Folder members</translation>
    </message>
    <message>
        <source>identifiant, par exemple m.dupre</source>
        <translation>username, e.g. m.dupre</translation>
    </message>
    <message>
        <source>Identifiant de la personne</source>
        <translation>Person&apos;s username</translation>
    </message>
    <message>
        <source>Ajouter</source>
        <translation>Add</translation>
    </message>
    <message>
        <source>Chargement des membres…</source>
        <translation>Loading members…</translation>
    </message>
    <message>
        <source>Seul un propriétaire du dossier peut le partager.</source>
        <translation>Only an owner of the folder can share it.</translation>
    </message>
    <message>
        <source>Fermer</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>Membres :</source>
        <translation>Members:</translation>
    </message>
    <message>
        <source>Ajouter une personne :</source>
        <translation>Add a person:</translation>
    </message>
    <message>
        <source>{0} (par le groupe {1})</source>
        <translation>{0} (through group {1})</translation>
    </message>
    <message>
        <source>{0} a maintenant accès au dossier.</source>
        <translation>{0} now has access to the folder.</translation>
    </message>
</context>
<context>
    <name>SyncIndicator</name>
    <message>
        <source>Voyant de synchronisation</source>
        <translation>Sync status light</translation>
    </message>
    <message>
        <source>État de la synchronisation</source>
        <translation>Sync status</translation>
    </message>
    <message>
        <source>Modifications en attente</source>
        <translation>Pending changes</translation>
    </message>
    <message>
        <source>Dernière erreur de synchronisation</source>
        <translation>Last sync error</translation>
    </message>
    <message>
        <source>Synchroniser maintenant</source>
        <translation>Sync now</translation>
    </message>
    <message>
        <source>Synchroniser maintenant (F5)</source>
        <translation>Sync now (F5)</translation>
    </message>
    <message>
        <source>Sur cet ordinateur uniquement</source>
        <translation>On this computer only</translation>
    </message>
    <message>
        <source>Synchronisation…</source>
        <translation>Syncing…</translation>
    </message>
    <message>
        <source>En ligne</source>
        <translation>Online</translation>
    </message>
    <message>
        <source>Connexion…</source>
        <translation>Connecting…</translation>
    </message>
    <message>
        <source>Hors ligne</source>
        <translation>Offline</translation>
    </message>
    <message>
        <source>Dernière synchronisation à {0}</source>
        <translation>Last synced at {0}</translation>
    </message>
    <message>
        <source>1 modification en attente</source>
        <translation>1 pending change</translation>
    </message>
    <message>
        <source>{0} modifications en attente</source>
        <translation>{0} pending changes</translation>
    </message>
    <message>
        <source>Tout est envoyé</source>
        <translation>All changes sent</translation>
    </message>
</context>
<context>
    <name>TransfersView</name>
    <message>
        <source>Transferts en cours</source>
        <translation>Transfers in progress</translation>
    </message>
    <message>
        <source>Envoi vers le serveur</source>
        <translation>Upload to the server</translation>
    </message>
    <message>
        <source>Réception depuis le serveur</source>
        <translation>Download from the server</translation>
    </message>
    <message>
        <source>Progression de {0}</source>
        <translation>Progress of {0}</translation>
    </message>
</context>
<context>
    <name>UnlockDialog</name>
    <message>
        <source>La phrase de passe de PARVIS_PASSPHRASE est incorrecte.</source>
        <translation>The passphrase in PARVIS_PASSPHRASE is incorrect.</translation>
    </message>
    <message>
        <source>Déverrouiller Parvis</source>
        <translation>Unlock Parvis</translation>
    </message>
    <message>
        <source>Déverrouillage du profil</source>
        <translation>Profile unlock</translation>
    </message>
    <message>
        <source>&lt;h3&gt;Déverrouiller votre profil&lt;/h3&gt;</source>
        <translation>&lt;h3&gt;Unlock your profile&lt;/h3&gt;</translation>
    </message>
    <message>
        <source>Profil : {0}</source>
        <translation>Profile: {0}</translation>
    </message>
    <message>
        <source>Phrase de passe</source>
        <translation>Passphrase</translation>
    </message>
    <message>
        <source>Déverrouiller</source>
        <translation>Unlock</translation>
    </message>
    <message>
        <source>Quitter</source>
        <translation>Quit</translation>
    </message>
    <message>
        <source>Phrase de passe :</source>
        <translation>Passphrase:</translation>
    </message>
    <message>
        <source>Phrase de passe incorrecte. Vérifiez la saisie (majuscules, disposition du clavier) et réessayez.</source>
        <translation>Incorrect passphrase. Check what you typed (Caps Lock, keyboard layout) and try again.</translation>
    </message>
</context>
<context>
    <name>VersionsDialog</name>
    <message>
        <source>Versions de « {0} »</source>
        <translation>Versions of “{0}”</translation>
    </message>
    <message>
        <source>Version</source>
        <translation>Version</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>Date</translation>
    </message>
    <message>
        <source>Auteur</source>
        <translation>Author</translation>
    </message>
    <message>
        <source>Taille</source>
        <translation>Size</translation>
    </message>
    <message>
        <source>Versions du fichier</source>
        <translation>File versions</translation>
    </message>
    <message>
        <source>Chargement des versions…</source>
        <translation>Loading versions…</translation>
    </message>
    <message>
        <source>Restaurer cette version</source>
        <translation>Restore this version</translation>
    </message>
    <message>
        <source>Fermer</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>&lt;b&gt;{0}&lt;/b&gt; — versions gardées sur le serveur</source>
        <translation>&lt;b&gt;{0}&lt;/b&gt; — versions kept on the server</translation>
    </message>
    <message>
        <source>Restauration de la version {0}…</source>
        <translation>Restoring version {0}…</translation>
    </message>
    <message>
        <source>{0} version(s) ; la première est la plus récente. Restaurer une version la rend la plus récente, sans rien effacer.</source>
        <translation>{0} version(s); the first is the newest. Restoring a version makes it the newest, without erasing anything.</translation>
    </message>
    <message>
        <source>Version {0} rétablie : elle devient la plus récente, l&apos;historique est gardé.</source>
        <translation>Version {0} restored: it is now the newest; the history is kept.</translation>
    </message>
</context>
<context>
    <name>WeekView</name>
    <message>
        <source>Vue de la semaine</source>
        <translation>Week view</translation>
    </message>
    <message>
        <source>Vue du jour</source>
        <translation>Day view</translation>
    </message>
</context>
<context>
    <name>WelcomeDialog</name>
    <message>
        <source>Message d&apos;erreur</source>
        <translation>Error message</translation>
    </message>
    <message>
        <source>Bienvenue dans Parvis</source>
        <translation>Welcome to Parvis</translation>
    </message>
    <message>
        <source>Création du profil</source>
        <translation>Profile setup</translation>
    </message>
    <message>
        <source>&lt;h2&gt;Bienvenue dans Parvis&lt;/h2&gt;&lt;p&gt;Vos documents sont chiffrés sur cet ordinateur et restent disponibles sans réseau. Choisissez comment protéger votre profil et comment travailler.&lt;/p&gt;</source>
        <translation>&lt;h2&gt;Welcome to Parvis&lt;/h2&gt;&lt;p&gt;Your documents are encrypted on this computer and remain available without a network. Choose how to protect your profile and how you want to work.&lt;/p&gt;</translation>
    </message>
    <message>
        <source>Protection du profil</source>
        <translation>Profile protection</translation>
    </message>
    <message>
        <source>Trousseau du système (recommandé)</source>
        <translation>System keyring (recommended)</translation>
    </message>
    <message>
        <source>Phrase de passe</source>
        <translation>Passphrase</translation>
    </message>
    <message>
        <source>Protéger par le trousseau du système</source>
        <translation>Protect with the system keyring</translation>
    </message>
    <message>
        <source>Protéger par une phrase de passe</source>
        <translation>Protect with a passphrase</translation>
    </message>
    <message>
        <source>Confirmation de la phrase de passe</source>
        <translation>Passphrase confirmation</translation>
    </message>
    <message>
        <source>Au moins 8 caractères. Sans elle, vos données sont illisibles : conservez-la en lieu sûr.</source>
        <translation>At least 8 characters. Without it your data cannot be read: keep it somewhere safe.</translation>
    </message>
    <message>
        <source>Phrase de passe :</source>
        <translation>Passphrase:</translation>
    </message>
    <message>
        <source>Confirmation :</source>
        <translation>Confirm:</translation>
    </message>
    <message>
        <source>Trousseau du système (indisponible sur cet ordinateur)</source>
        <translation>System keyring (not available on this computer)</translation>
    </message>
    <message>
        <source>Mode de travail</source>
        <translation>Way of working</translation>
    </message>
    <message>
        <source>Sur cet ordinateur uniquement, sans serveur</source>
        <translation>On this computer only, without a server</translation>
    </message>
    <message>
        <source>Avec le serveur de la collectivité</source>
        <translation>With your local authority&apos;s server</translation>
    </message>
    <message>
        <source>facultatif : PKI interne</source>
        <translation>optional: internal PKI</translation>
    </message>
    <message>
        <source>Parcourir…</source>
        <translation>Browse…</translation>
    </message>
    <message>
        <source>Choisir le certificat de l&apos;autorité</source>
        <translation>Choose the CA certificate</translation>
    </message>
    <message>
        <source>Travailler sans serveur</source>
        <translation>Work without a server</translation>
    </message>
    <message>
        <source>Se connecter au serveur</source>
        <translation>Connect to the server</translation>
    </message>
    <message>
        <source>Adresse du serveur</source>
        <translation>Server address</translation>
    </message>
    <message>
        <source>Identifiant</source>
        <translation>Username</translation>
    </message>
    <message>
        <source>Mot de passe</source>
        <translation>Password</translation>
    </message>
    <message>
        <source>Certificat de l&apos;autorité interne</source>
        <translation>Internal CA certificate</translation>
    </message>
    <message>
        <source>Adresse :</source>
        <translation>Address:</translation>
    </message>
    <message>
        <source>Identifiant :</source>
        <translation>Username:</translation>
    </message>
    <message>
        <source>Mot de passe :</source>
        <translation>Password:</translation>
    </message>
    <message>
        <source>Certificat :</source>
        <translation>Certificate:</translation>
    </message>
    <message>
        <source>Créer le profil</source>
        <translation>Create profile</translation>
    </message>
    <message>
        <source>Quitter</source>
        <translation>Quit</translation>
    </message>
    <message>
        <source>Quitter Parvis</source>
        <translation>Quit Parvis</translation>
    </message>
    <message>
        <source>Réglé par le service informatique de votre collectivité.</source>
        <translation>Set by your local authority&apos;s IT department.</translation>
    </message>
    <message>
        <source>Sur cet ordinateur uniquement (désactivé par votre collectivité)</source>
        <translation>On this computer only (disabled by your local authority)</translation>
    </message>
    <message>
        <source>Continuer</source>
        <translation>Continue</translation>
    </message>
    <message>
        <source>Certificat de l&apos;autorité</source>
        <translation>CA certificate</translation>
    </message>
    <message>
        <source>Certificats (*.pem *.crt *.cer);;Tous les fichiers (*)</source>
        <translation>Certificates (*.pem *.crt *.cer);;All files (*)</translation>
    </message>
    <message>
        <source>La phrase de passe doit compter au moins 8 caractères.</source>
        <translation>The passphrase must be at least 8 characters long.</translation>
    </message>
    <message>
        <source>Les deux phrases de passe diffèrent.</source>
        <translation>The two passphrases do not match.</translation>
    </message>
    <message>
        <source>L&apos;adresse du serveur commence par https:// (par exemple https://parvis.mairie.fr).</source>
        <translation>The server address must start with https:// (for example https://parvis.mairie.fr).</translation>
    </message>
    <message>
        <source>Indiquez votre identifiant et votre mot de passe sur le serveur.</source>
        <translation>Enter your username and password for the server.</translation>
    </message>
    <message>
        <source>Le fichier du certificat est introuvable.</source>
        <translation>The certificate file cannot be found.</translation>
    </message>
    <message>
        <source>Le profil est créé, mais la connexion a échoué : {0} Corrigez puis réessayez, ou continuez sans serveur.</source>
        <translation>The profile has been created, but the connection failed: {0} Correct this and try again, or continue without a server.</translation>
    </message>
</context>
<context>
    <name>_DayHeader</name>
    <message>
        <source>lun.</source>
        <translation>Mon</translation>
    </message>
    <message>
        <source>mar.</source>
        <translation>Tue</translation>
    </message>
    <message>
        <source>mer.</source>
        <translation>Wed</translation>
    </message>
    <message>
        <source>jeu.</source>
        <translation>Thu</translation>
    </message>
    <message>
        <source>ven.</source>
        <translation>Fri</translation>
    </message>
    <message>
        <source>sam.</source>
        <translation>Sat</translation>
    </message>
    <message>
        <source>dim.</source>
        <translation>Sun</translation>
    </message>
    <message>
        <source>jour</source>
        <translation>all day</translation>
    </message>
</context>
<context>
    <name>_Painted</name>
    <message>
        <source>(sans titre)</source>
        <translation>(untitled)</translation>
    </message>
</context>
<context>
    <name>_TimeGrid</name>
    <message>
        <source>Heures</source>
        <translation>Hours</translation>
    </message>
</context>
</TS>
