<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
<context>
    <name>AccountDialog</name>
    <message>
        <source>Add account</source>
        <translation>Konto hinzufügen</translation>
    </message>
    <message>
        <source>Edit account</source>
        <translation>Konto bearbeiten</translation>
    </message>
    <message>
        <source>Problem with the settings</source>
        <translation>Problem mit den Einstellungen</translation>
    </message>
    <message>
        <source>Save the account</source>
        <translation>Konto speichern</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Provider</source>
        <translation>Anbieter</translation>
    </message>
    <message>
        <source>Other (enter the server yourself)</source>
        <translation>Anderer (Server selbst eingeben)</translation>
    </message>
    <message>
        <source>Note on the provider</source>
        <translation>Hinweis zum Anbieter</translation>
    </message>
    <message>
        <source>Account name</source>
        <translation>Kontoname</translation>
    </message>
    <message>
        <source>e.g. office</source>
        <translation>z. B. Büro</translation>
    </message>
    <message>
        <source>Server</source>
        <translation>Server</translation>
    </message>
    <message>
        <source>imap.example.com</source>
        <translation>imap.example.com</translation>
    </message>
    <message>
        <source>Security</source>
        <translation>Verbindungssicherheit</translation>
    </message>
    <message>
        <source>SSL/TLS (recommended)</source>
        <translation>SSL/TLS (empfohlen)</translation>
    </message>
    <message>
        <source>STARTTLS</source>
        <translation>STARTTLS</translation>
    </message>
    <message>
        <source>Unencrypted (not recommended)</source>
        <translation>Unverschlüsselt (nicht empfohlen)</translation>
    </message>
    <message>
        <source>Without encryption, your password and your mail cross the network readable by anyone in between. Use this only on a network you trust completely.</source>
        <translation>Ohne Verschlüsselung werden Ihr Passwort und Ihre E-Mails im Klartext übertragen und können unterwegs von jedem mitgelesen werden. Verwenden Sie diese Einstellung nur in einem Netzwerk, dem Sie vollständig vertrauen.</translation>
    </message>
    <message>
        <source>Port</source>
        <translation>Port</translation>
    </message>
    <message>
        <source>User name</source>
        <translation>Benutzername</translation>
    </message>
    <message>
        <source>you@example.com</source>
        <translation>name@example.com</translation>
    </message>
    <message>
        <source>CA file</source>
        <translation>CA-Datei</translation>
    </message>
    <message>
        <source>Optional: for a server with a private certificate</source>
        <translation>Optional: bei privatem Zertifikat</translation>
    </message>
    <message>
        <source>&amp;Browse…</source>
        <translation>D&amp;urchsuchen…</translation>
    </message>
    <message>
        <source>Choose a CA file</source>
        <translation>CA-Datei auswählen</translation>
    </message>
    <message>
        <source>F&amp;orget</source>
        <translation>Ver&amp;gessen</translation>
    </message>
    <message>
        <source>Stop trusting this certificate</source>
        <translation>Diesem Zertifikat nicht mehr vertrauen</translation>
    </message>
    <message>
        <source>Pro&amp;vider:</source>
        <translation>&amp;Anbieter:</translation>
    </message>
    <message>
        <source>&amp;Name:</source>
        <translation>&amp;Name:</translation>
    </message>
    <message>
        <source>&amp;Server:</source>
        <translation>&amp;Server:</translation>
    </message>
    <message>
        <source>Securit&amp;y:</source>
        <translation>&amp;Verbindungssicherheit:</translation>
    </message>
    <message>
        <source>&amp;Port:</source>
        <translation>&amp;Port:</translation>
    </message>
    <message>
        <source>&amp;User name:</source>
        <translation>&amp;Benutzername:</translation>
    </message>
    <message>
        <source>CA &amp;file:</source>
        <translation>CA-&amp;Datei:</translation>
    </message>
    <message>
        <source>Trusted certificate:</source>
        <translation>Vertrautes Zertifikat:</translation>
    </message>
    <message>
        <source>Store the password in the system &amp;keyring</source>
        <translation>Passwort im Sc&amp;hlüsselbund des Systems speichern</translation>
    </message>
    <message>
        <source>&amp;Ask each time</source>
        <translation>&amp;Jedes Mal fragen</translation>
    </message>
    <message>
        <source>Password co&amp;mmand</source>
        <translation>Passwort-Be&amp;fehl</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>Passwort</translation>
    </message>
    <message>
        <source>Password command</source>
        <translation>Passwort-Befehl</translation>
    </message>
    <message>
        <source>e.g. pass show mail/office</source>
        <translation>z. B. pass show mail/buero</translation>
    </message>
    <message>
        <source>This computer has no system keyring the app can use, so the password cannot be stored. It can be asked each time, or come from a password command.</source>
        <translation>Dieser Computer hat keinen Schlüsselbund, den das Programm nutzen kann; das Passwort lässt sich daher nicht speichern. Es kann jedes Mal abgefragt werden oder von einem Passwort-Befehl kommen.</translation>
    </message>
    <message>
        <source>e.g. powershell -NoProfile -ExecutionPolicy Bypass -File %APPDATA%\mail-password.ps1</source>
        <translation>z. B. powershell -NoProfile -ExecutionPolicy Bypass -File %APPDATA%\mail-passwort.ps1</translation>
    </message>
    <message>
        <source>Pass&amp;word:</source>
        <translation>Pass&amp;wort:</translation>
    </message>
    <message>
        <source>&amp;Command:</source>
        <translation>B&amp;efehl:</translation>
    </message>
    <message>
        <source>&amp;Test connection</source>
        <translation>Verbindung &amp;testen</translation>
    </message>
    <message>
        <source>Test the connection</source>
        <translation>Verbindung testen</translation>
    </message>
    <message>
        <source>Check the settings: log in and look at the folders on the server.</source>
        <translation>Prüft die Einstellungen: Anmeldung am Server und Abruf der Ordnerliste.</translation>
    </message>
    <message>
        <source>Connection test progress</source>
        <translation>Fortschritt des Verbindungstests</translation>
    </message>
    <message>
        <source>Cancel &amp;test</source>
        <translation>&amp;Test abbrechen</translation>
    </message>
    <message>
        <source>Cancel the connection test</source>
        <translation>Den Verbindungstest abbrechen</translation>
    </message>
    <message>
        <source>Connection test error</source>
        <translation>Fehler beim Verbindungstest</translation>
    </message>
    <message>
        <source>Folders on the server</source>
        <translation>Ordner auf dem Server</translation>
    </message>
    <message>
        <source>Quota:</source>
        <translation>Speicherkontingent:</translation>
    </message>
    <message>
        <source>Connection test</source>
        <translation>Verbindungstest</translation>
    </message>
    <message>
        <source>SHA-256 fingerprint of the certificate</source>
        <translation>SHA-256-Fingerabdruck des Zertifikats</translation>
    </message>
    <message>
        <source>T&amp;rust this certificate</source>
        <translation>Diesem &amp;Zertifikat vertrauen</translation>
    </message>
    <message>
        <source>Trust this certificate</source>
        <translation>Diesem Zertifikat vertrauen</translation>
    </message>
    <message>
        <source>The name cannot be changed: it names the archive.</source>
        <translation>Der Name kann nicht geändert werden, da das Archiv nach ihm benannt ist.</translation>
    </message>
    <message>
        <source>The port must be a number from 1 to 65535.</source>
        <translation>Der Port muss eine Zahl von 1 bis 65535 sein.</translation>
    </message>
    <message>
        <source>Type the password to test the connection.</source>
        <translation>Geben Sie das Passwort ein, um die Verbindung zu testen.</translation>
    </message>
    <message>
        <source>{port} (the default)</source>
        <translation>{port} (Standard)</translation>
    </message>
    <message>
        <source>Leave the password empty to keep the stored one.</source>
        <translation>Lassen Sie das Feld leer, um das gespeicherte Passwort zu behalten.</translation>
    </message>
    <message>
        <source>The password is stored in the system keyring when you save.</source>
        <translation>Das Passwort wird beim Speichern im Schlüsselbund des Systems abgelegt.</translation>
    </message>
    <message>
        <source>The password is never stored: the app asks for it once each time it starts. A password typed here is used for the test and until the app closes.</source>
        <translation>Das Passwort wird nie gespeichert: Das Programm fragt nach jedem Start einmal danach. Ein hier eingegebenes Passwort gilt für den Test und bis zum Beenden des Programms.</translation>
    </message>
    <message>
        <source>The command runs each time the app connects; the first line it prints is the password.</source>
        <translation>Der Befehl wird bei jedem Verbindungsaufbau ausgeführt; die erste Zeile seiner Ausgabe ist das Passwort.</translation>
    </message>
    <message>
        <source>Stored password</source>
        <translation>Gespeichertes Passwort</translation>
    </message>
    <message>
        <source>Choose the CA file</source>
        <translation>CA-Datei auswählen</translation>
    </message>
    <message>
        <source>Certificates (*.pem *.crt *.cer);;All files (*)</source>
        <translation>Zertifikate (*.pem *.crt *.cer);;Alle Dateien (*)</translation>
    </message>
    <message>
        <source>Trusted certificate fingerprint {fingerprint}</source>
        <translation>Fingerabdruck des vertrauten Zertifikats: {fingerprint}</translation>
    </message>
    <message>
        <source>Connecting to {host}:{port}…</source>
        <translation>Verbindung zu {host}:{port} wird hergestellt…</translation>
    </message>
    <message>
        <source>Reading folder {folder} ({done} of {total})…</source>
        <translation>Ordner {folder} wird gelesen ({done} von {total})…</translation>
    </message>
    <message>
        <source>{count} folder</source>
        <translation>{count} Ordner</translation>
    </message>
    <message>
        <source>{count} folders</source>
        <translation>{count} Ordner</translation>
    </message>
    <message>
        <source>{count} message</source>
        <translation>{count} Nachricht</translation>
    </message>
    <message>
        <source>{count} messages</source>
        <translation>{count} Nachrichten</translation>
    </message>
    <message>
        <source>Connected to {host}:{port} as {user}: {folders}, {messages}.</source>
        <translation>Verbunden mit {host}:{port} als {user}: {folders}, {messages}.</translation>
    </message>
    <message>
        <source>The server lacks UIDPLUS: archived messages will stay on the server.</source>
        <translation>Der Server unterstützt UIDPLUS nicht: Archivierte Nachrichten bleiben auf dem Server.</translation>
    </message>
    <message>
        <source>The server reports no quota.</source>
        <translation>Der Server meldet kein Speicherkontingent.</translation>
    </message>
    <message>
        <source>The test failed.</source>
        <translation>Der Test ist fehlgeschlagen.</translation>
    </message>
    <message>
        <source>The test was cancelled.</source>
        <translation>Der Test wurde abgebrochen.</translation>
    </message>
    <message>
        <source>The server&apos;s certificate has expired.</source>
        <translation>Das Zertifikat des Servers ist abgelaufen.</translation>
    </message>
    <message>
        <source>Its provider should have renewed it; it can also mean that someone is intercepting the connection. No password was sent. Ask your provider, compare this SHA-256 fingerprint with the one they give, and trust the certificate only if they match:</source>
        <translation>Ihr Anbieter hätte es erneuern müssen; es kann aber auch bedeuten, dass jemand die Verbindung abfängt. Es wurde kein Passwort gesendet. Fragen Sie Ihren Anbieter, vergleichen Sie diesen SHA-256-Fingerabdruck mit dem, den er nennt, und vertrauen Sie dem Zertifikat nur, wenn beide übereinstimmen:</translation>
    </message>
    <message>
        <source>The server showed a different certificate from the one you trust.</source>
        <translation>Der Server hat ein anderes Zertifikat vorgelegt als das, dem Sie vertrauen.</translation>
    </message>
    <message>
        <source>The server may have renewed its certificate, or someone may be intercepting the connection. No password was sent. Compare this SHA-256 fingerprint with the one your provider publishes, and trust the new certificate only if they match:</source>
        <translation>Möglicherweise hat der Server sein Zertifikat erneuert – oder jemand fängt die Verbindung ab. Es wurde kein Passwort gesendet. Vergleichen Sie diesen SHA-256-Fingerabdruck mit dem, den Ihr Anbieter veröffentlicht, und vertrauen Sie dem neuen Zertifikat nur, wenn beide übereinstimmen:</translation>
    </message>
    <message>
        <source>The server&apos;s certificate is not trusted.</source>
        <translation>Das Zertifikat des Servers ist nicht vertrauenswürdig.</translation>
    </message>
    <message>
        <source>No certificate authority known to this computer vouches for it. That is usual for a server with a self-signed certificate, but it can also mean that someone is intercepting the connection. No password was sent. Compare this SHA-256 fingerprint with the one your provider publishes, and trust the certificate only if they match:</source>
        <translation>Keine diesem Computer bekannte Zertifizierungsstelle bürgt für dieses Zertifikat. Das ist bei einem Server mit selbst signiertem Zertifikat üblich, kann aber auch bedeuten, dass jemand die Verbindung abfängt. Es wurde kein Passwort gesendet. Vergleichen Sie diesen SHA-256-Fingerabdruck mit dem, den Ihr Anbieter veröffentlicht, und vertrauen Sie dem Zertifikat nur, wenn beide übereinstimmen:</translation>
    </message>
    <message>
        <source>An account named {name} exists already.</source>
        <translation>Ein Konto mit dem Namen {name} ist bereits vorhanden.</translation>
    </message>
    <message>
        <source>An account named {existing} exists already; {name} differs from it only in upper and lower case, and both would share one archive folder. Choose another name.</source>
        <translation>Ein Konto namens {existing} gibt es schon; {name} unterscheidet sich davon nur in Groß- und Kleinschreibung, und beide würden denselben Archivordner teilen. Wählen Sie einen anderen Namen.</translation>
    </message>
    <message>
        <source>Type the password to store it in the system keyring.</source>
        <translation>Geben Sie das Passwort ein, um es im Schlüsselbund des Systems zu speichern.</translation>
    </message>
</context>
<context>
    <name>AccountsPage</name>
    <message>
        <source>No account yet. Click “Add…” to set up your mail account.</source>
        <translation>Noch kein Konto vorhanden. Klicken Sie auf „Hinzufügen…“, um Ihr E-Mail-Konto einzurichten.</translation>
    </message>
    <message>
        <source>Accounts</source>
        <translation>Konten</translation>
    </message>
    <message>
        <source>&amp;Add…</source>
        <translation>&amp;Hinzufügen…</translation>
    </message>
    <message>
        <source>Add an account</source>
        <translation>Konto hinzufügen</translation>
    </message>
    <message>
        <source>&amp;Edit…</source>
        <translation>&amp;Bearbeiten…</translation>
    </message>
    <message>
        <source>Edit the account</source>
        <translation>Konto bearbeiten</translation>
    </message>
    <message>
        <source>Re&amp;move…</source>
        <translation>&amp;Entfernen…</translation>
    </message>
    <message>
        <source>Remove the account</source>
        <translation>Konto entfernen</translation>
    </message>
    <message>
        <source>Server:</source>
        <translation>Server:</translation>
    </message>
    <message>
        <source>Security:</source>
        <translation>Verbindungssicherheit:</translation>
    </message>
    <message>
        <source>Password:</source>
        <translation>Passwort:</translation>
    </message>
    <message>
        <source>&amp;Refresh</source>
        <translation>&amp;Aktualisieren</translation>
    </message>
    <message>
        <source>Read the quota and the archive again</source>
        <translation>Speicherkontingent und Archiv neu einlesen</translation>
    </message>
    <message>
        <source>Mailbox on the server</source>
        <translation>Postfach auf dem Server</translation>
    </message>
    <message>
        <source>Archive on this computer</source>
        <translation>Archiv auf diesem Computer</translation>
    </message>
    <message>
        <source>Messages:</source>
        <translation>Nachrichten:</translation>
    </message>
    <message>
        <source>Size:</source>
        <translation>Größe:</translation>
    </message>
    <message>
        <source>Folder:</source>
        <translation>Ordner:</translation>
    </message>
    <message>
        <source>Messages count here once they are stored in the archive and checked byte for byte; only then may they leave the server. Removing an account keeps its archive.</source>
        <translation>Nachrichten werden hier gezählt, sobald sie im Archiv gespeichert und Byte für Byte geprüft sind; erst dann dürfen sie vom Server gelöscht werden. Wenn Sie ein Konto entfernen, bleibt sein Archiv erhalten.</translation>
    </message>
    <message>
        <source>{user} on {host}, port {port}</source>
        <translation>{user} auf {host}, Port {port}</translation>
    </message>
    <message>
        <source>{security}, with a certificate you chose to trust</source>
        <translation>{security}, mit einem Zertifikat, dem Sie ausdrücklich vertrauen</translation>
    </message>
    <message>
        <source>{security}, trusting the CA file {path}</source>
        <translation>{security}, mit Zertifikatsprüfung über die CA-Datei {path}</translation>
    </message>
    <message>
        <source>The quota has not been read yet.</source>
        <translation>Das Speicherkontingent wurde noch nicht abgefragt.</translation>
    </message>
    <message>
        <source>…</source>
        <translation>…</translation>
    </message>
    <message>
        <source>Reading the quota from {host}…</source>
        <translation>Speicherkontingent wird von {host} abgefragt…</translation>
    </message>
    <message>
        <source>The password is needed to read the quota. Click Refresh to type it.</source>
        <translation>Zum Abfragen des Speicherkontingents wird das Passwort benötigt. Klicken Sie auf „Aktualisieren“, um es einzugeben.</translation>
    </message>
    <message>
        <source>The server reports no quota.</source>
        <translation>Der Server meldet kein Speicherkontingent.</translation>
    </message>
    <message>
        <source>Read from the server at {time}.</source>
        <translation>Um {time} vom Server abgefragt.</translation>
    </message>
    <message>
        <source>The quota could not be read.</source>
        <translation>Das Speicherkontingent konnte nicht abgefragt werden.</translation>
    </message>
    <message>
        <source>Remove account</source>
        <translation>Konto entfernen</translation>
    </message>
    <message>
        <source>Remove the account {name} ({user} on {host})?

The archive of this account stays on this computer, in {folder}. Add the account again under the same name to go on using it. Nothing on the server changes.</source>
        <translation>Das Konto {name} ({user} auf {host}) entfernen?

Das Archiv dieses Kontos bleibt auf diesem Computer in {folder} erhalten. Um es weiter zu verwenden, fügen Sie das Konto unter demselben Namen wieder hinzu. Auf dem Server ändert sich nichts.</translation>
    </message>
</context>
<context>
    <name>AppContext</name>
    <message>
        <source>Password</source>
        <translation>Passwort</translation>
    </message>
    <message>
        <source>Password for {user} on {host}:</source>
        <translation>Passwort für {user} auf {host}:</translation>
    </message>
</context>
<context>
    <name>ArchivePage</name>
    <message>
        <source>Account</source>
        <translation>Konto</translation>
    </message>
    <message>
        <source>Acc&amp;ount:</source>
        <translation>&amp;Konto:</translation>
    </message>
    <message>
        <source>Which mail to archive</source>
        <translation>Welche E-Mails archiviert werden</translation>
    </message>
    <message>
        <source>older than 3 months</source>
        <translation>älter als 3 Monate</translation>
    </message>
    <message>
        <source>older than 6 months</source>
        <translation>älter als 6 Monate</translation>
    </message>
    <message>
        <source>older than 1 year</source>
        <translation>älter als 1 Jahr</translation>
    </message>
    <message>
        <source>older than 2 years</source>
        <translation>älter als 2 Jahre</translation>
    </message>
    <message>
        <source>before a date:</source>
        <translation>vor einem Stichtag:</translation>
    </message>
    <message>
        <source>&amp;Archive mail</source>
        <translation>E-Mails &amp;archivieren</translation>
    </message>
    <message>
        <source>Archive mail before this date</source>
        <translation>E-Mails vor diesem Stichtag archivieren</translation>
    </message>
    <message>
        <source>Folders to archive</source>
        <translation>Zu archivierende Ordner</translation>
    </message>
    <message>
        <source>&amp;Reload folders</source>
        <translation>Ordner &amp;neu einlesen</translation>
    </message>
    <message>
        <source>Read the folders from the server again</source>
        <translation>Ordner erneut vom Server einlesen</translation>
    </message>
    <message>
        <source>Updating the folders&apos; counts…</source>
        <translation>Die Zahlen der Ordner werden aktualisiert…</translation>
    </message>
    <message>
        <source>Keep &amp;flagged messages on the server</source>
        <translation>&amp;Markierte Nachrichten nicht archivieren</translation>
    </message>
    <message>
        <source>Keep &amp;unread messages on the server</source>
        <translation>&amp;Ungelesene Nachrichten nicht archivieren</translation>
    </message>
    <message>
        <source>Keep &amp;everything on the server (copy only)</source>
        <translation>A&amp;lles auf dem Server behalten (nur kopieren)</translation>
    </message>
    <message>
        <source>Pre&amp;view</source>
        <translation>&amp;Vorschau</translation>
    </message>
    <message>
        <source>Preview what would be archived, without changing anything</source>
        <translation>Vorschau auf das, was archiviert würde, ohne etwas zu ändern</translation>
    </message>
    <message>
        <source>Archive the chosen mail</source>
        <translation>Ausgewählte E-Mails archivieren</translation>
    </message>
    <message>
        <source>Folders</source>
        <translation>Ordner</translation>
    </message>
    <message>
        <source>Options</source>
        <translation>Optionen</translation>
    </message>
    <message>
        <source>Preview</source>
        <translation>Vorschau</translation>
    </message>
    <message>
        <source>Archive older than 3 months</source>
        <translation>Älter als 3 Monate archivieren</translation>
    </message>
    <message>
        <source>Archive older than 6 months</source>
        <translation>Älter als 6 Monate archivieren</translation>
    </message>
    <message>
        <source>Archive older than 1 year</source>
        <translation>Älter als 1 Jahr archivieren</translation>
    </message>
    <message>
        <source>Archive older than 2 years</source>
        <translation>Älter als 2 Jahre archivieren</translation>
    </message>
    <message>
        <source>Archive mail before {date}</source>
        <translation>E-Mails vor dem {date} archivieren</translation>
    </message>
    <message>
        <source>See how many messages would be archived and how much space it frees, without changing anything.</source>
        <translation>Zeigt, wie viele Nachrichten archiviert würden und wie viel Speicherplatz das freigibt, ohne etwas zu ändern.</translation>
    </message>
    <message>
        <source>Click Reload folders to connect to {account}.</source>
        <translation>Klicken Sie auf „Ordner neu einlesen“, um eine Verbindung zu {account} herzustellen.</translation>
    </message>
    <message>
        <source>No password was given for {account}; nothing was done.</source>
        <translation>Für {account} wurde kein Passwort eingegeben; es wurde nichts unternommen.</translation>
    </message>
    <message>
        <source>Reading the folders of {account}…</source>
        <translation>Ordner von {account} werden gelesen…</translation>
    </message>
    <message>
        <source>This server cannot delete single messages safely (it lacks UIDPLUS): mail is copied into the archive but stays on the server.</source>
        <translation>Dieser Server kann einzelne Nachrichten nicht sicher löschen (UIDPLUS fehlt): E-Mails werden ins Archiv kopiert, bleiben aber auf dem Server.</translation>
    </message>
    <message>
        <source>The server reports no storage quota.</source>
        <translation>Der Server meldet kein Speicherkontingent.</translation>
    </message>
    <message>
        <source>Server storage: {used} used.</source>
        <translation>Speicherplatz auf dem Server: {used} belegt.</translation>
    </message>
    <message>
        <source>Server storage: {used} of {limit} used ({percent}%).</source>
        <translation>Speicherplatz auf dem Server: {used} von {limit} belegt ({percent} %).</translation>
    </message>
    <message>
        <source>Looking at what would be archived…</source>
        <translation>Es wird ermittelt, was archiviert würde…</translation>
    </message>
    <message>
        <source>The preview was cancelled.</source>
        <translation>Die Vorschau wurde abgebrochen.</translation>
    </message>
    <message>
        <source>{count} message ({size}) {in_folders} would be archived.</source>
        <translation>{count} Nachricht ({size}) {in_folders} würde archiviert.</translation>
    </message>
    <message>
        <source>{count} messages ({size}) {in_folders} would be archived.</source>
        <translation>{count} Nachrichten ({size}) {in_folders} würden archiviert.</translation>
    </message>
    <message>
        <source>in {count} folder</source>
        <translation>in {count} Ordner</translation>
    </message>
    <message>
        <source>in {count} folders</source>
        <translation>in {count} Ordnern</translation>
    </message>
    <message>
        <source>{count} message ({size}) older than {date} {in_folders} will be copied to the archive on this computer and checked. Nothing is deleted from the server of {account}.</source>
        <translation>{count} Nachricht ({size}) mit Datum vor dem {date} {in_folders} wird in das Archiv auf diesem Computer kopiert und geprüft. Vom Server des Kontos {account} wird nichts gelöscht.</translation>
    </message>
    <message>
        <source>{count} messages ({size}) older than {date} {in_folders} will be copied to the archive on this computer and checked. Nothing is deleted from the server of {account}.</source>
        <translation>{count} Nachrichten ({size}) mit Datum vor dem {date} {in_folders} werden in das Archiv auf diesem Computer kopiert und geprüft. Vom Server des Kontos {account} wird nichts gelöscht.</translation>
    </message>
    <message>
        <source>{count} message ({size}) older than {date} {in_folders} will be copied to the archive on this computer, checked, and then deleted from the server of {account}.</source>
        <translation>{count} Nachricht ({size}) mit Datum vor dem {date} {in_folders} wird in das Archiv auf diesem Computer kopiert, geprüft und danach vom Server des Kontos {account} gelöscht.</translation>
    </message>
    <message>
        <source>{count} messages ({size}) older than {date} {in_folders} will be copied to the archive on this computer, checked, and then deleted from the server of {account}.</source>
        <translation>{count} Nachrichten ({size}) mit Datum vor dem {date} {in_folders} werden in das Archiv auf diesem Computer kopiert, geprüft und danach vom Server des Kontos {account} gelöscht.</translation>
    </message>
    <message>
        <source>All messages older than {date} in the chosen folder will be copied to the archive on this computer and checked. Nothing is deleted from the server of {account}.</source>
        <translation>Alle Nachrichten mit Datum vor dem {date} aus dem ausgewählten Ordner werden in das Archiv auf diesem Computer kopiert und geprüft. Vom Server des Kontos {account} wird nichts gelöscht.</translation>
    </message>
    <message>
        <source>Nothing would be deleted from the server.</source>
        <translation>Vom Server würde nichts gelöscht.</translation>
    </message>
    <message>
        <source>Server storage now: {used} of {limit} ({percent}%). After archiving: about {after} ({percent_after}%).</source>
        <translation>Speicherplatz auf dem Server jetzt: {used} von {limit} ({percent} %). Nach dem Archivieren: etwa {after} ({percent_after} %).</translation>
    </message>
    <message>
        <source>Server storage now: {used}. After archiving: about {after}.</source>
        <translation>Speicherplatz auf dem Server jetzt: {used}. Nach dem Archivieren: etwa {after}.</translation>
    </message>
    <message>
        <source>{count} older message stays on the server: {reason}.</source>
        <translation>{count} ältere Nachricht bleibt auf dem Server: {reason}.</translation>
    </message>
    <message>
        <source>{count} older messages stay on the server: {reason}.</source>
        <translation>{count} ältere Nachrichten bleiben auf dem Server: {reason}.</translation>
    </message>
    <message>
        <source>Folder {folder} could not be read: {error}</source>
        <translation>Ordner {folder} konnte nicht gelesen werden: {error}</translation>
    </message>
    <message>
        <source>All messages older than {date} in the {folders} chosen folders will be copied to the archive on this computer and checked. Nothing is deleted from the server of {account}.</source>
        <translation>Alle Nachrichten mit Datum vor dem {date} aus den {folders} ausgewählten Ordnern werden in das Archiv auf diesem Computer kopiert und geprüft. Vom Server des Kontos {account} wird nichts gelöscht.</translation>
    </message>
    <message>
        <source>All messages older than {date} in the chosen folder will be copied to the archive on this computer, checked, and then deleted from the server of {account}.</source>
        <translation>Alle Nachrichten mit Datum vor dem {date} aus dem ausgewählten Ordner werden in das Archiv auf diesem Computer kopiert, geprüft und danach vom Server des Kontos {account} gelöscht.</translation>
    </message>
    <message>
        <source>All messages older than {date} in the {folders} chosen folders will be copied to the archive on this computer, checked, and then deleted from the server of {account}.</source>
        <translation>Alle Nachrichten mit Datum vor dem {date} aus den {folders} ausgewählten Ordnern werden in das Archiv auf diesem Computer kopiert, geprüft und danach vom Server des Kontos {account} gelöscht.</translation>
    </message>
    <message>
        <source>Flagged messages stay on the server.</source>
        <translation>Markierte Nachrichten bleiben auf dem Server.</translation>
    </message>
    <message>
        <source>Unread messages stay on the server.</source>
        <translation>Ungelesene Nachrichten bleiben auf dem Server.</translation>
    </message>
    <message>
        <source>Archive old mail?</source>
        <translation>Alte E-Mails archivieren?</translation>
    </message>
    <message>
        <source>Starting the archive of {account}…</source>
        <translation>Archivierung von {account} wird gestartet…</translation>
    </message>
    <message>
        <source>The archive did not run: {error}</source>
        <translation>Die Archivierung wurde nicht ausgeführt: {error}</translation>
    </message>
    <message>
        <source>Cancelled before anything was archived. Messages are deleted from the server only after their archived copy was checked.</source>
        <translation>Abgebrochen, bevor etwas archiviert wurde. Nachrichten werden erst dann vom Server gelöscht, wenn ihre archivierte Kopie geprüft ist.</translation>
    </message>
    <message>
        <source>Reading the folders was cancelled. Click Reload folders to try again.</source>
        <translation>Das Einlesen der Ordner wurde abgebrochen. Klicken Sie auf „Ordner neu einlesen“, um es erneut zu versuchen.</translation>
    </message>
</context>
<context>
    <name>ArchiveSummary</name>
    <message>
        <source>it is flagged, as you chose</source>
        <translation>markiert, wie von Ihnen gewählt</translation>
    </message>
    <message>
        <source>they are flagged, as you chose</source>
        <translation>markiert, wie von Ihnen gewählt</translation>
    </message>
    <message>
        <source>it is unread, as you chose</source>
        <translation>ungelesen, wie von Ihnen gewählt</translation>
    </message>
    <message>
        <source>they are unread, as you chose</source>
        <translation>ungelesen, wie von Ihnen gewählt</translation>
    </message>
    <message>
        <source>another mail program marked it as deleted</source>
        <translation>von einem anderen E-Mail-Programm als gelöscht markiert</translation>
    </message>
    <message>
        <source>another mail program marked them as deleted</source>
        <translation>von einem anderen E-Mail-Programm als gelöscht markiert</translation>
    </message>
    <message>
        <source>you chose to keep everything on the server</source>
        <translation>Sie haben „Alles auf dem Server behalten“ gewählt</translation>
    </message>
    <message>
        <source>this was only a preview, which changes nothing</source>
        <translation>dies war nur eine Vorschau, die nichts ändert</translation>
    </message>
    <message>
        <source>the server cannot delete single messages safely (no UIDPLUS)</source>
        <translation>der Server kann einzelne Nachrichten nicht sicher löschen (kein UIDPLUS)</translation>
    </message>
    <message>
        <source>the folder was recreated on the server during the run</source>
        <translation>der Ordner wurde während der Archivierung auf dem Server neu angelegt</translation>
    </message>
    <message>
        <source>it changed on the server after it was archived</source>
        <translation>nach dem Archivieren auf dem Server geändert</translation>
    </message>
    <message>
        <source>they changed on the server after they were archived</source>
        <translation>nach dem Archivieren auf dem Server geändert</translation>
    </message>
    <message>
        <source>the server did not remove it when asked</source>
        <translation>vom Server trotz Aufforderung nicht entfernt</translation>
    </message>
    <message>
        <source>the server did not remove them when asked</source>
        <translation>vom Server trotz Aufforderung nicht entfernt</translation>
    </message>
    <message>
        <source>the server does not allow deleting in this folder (read-only)</source>
        <translation>der Server erlaubt in diesem Ordner kein Löschen (schreibgeschützt)</translation>
    </message>
    <message>
        <source>the run stopped before deleting</source>
        <translation>die Archivierung endete vor dem Löschen</translation>
    </message>
    <message>
        <source>you restored it from the archive</source>
        <translation>von Ihnen aus dem Archiv wiederhergestellt</translation>
    </message>
    <message>
        <source>you restored them from the archive</source>
        <translation>von Ihnen aus dem Archiv wiederhergestellt</translation>
    </message>
    <message>
        <source>another mail program removed it from the server meanwhile</source>
        <translation>inzwischen von einem anderen E-Mail-Programm vom Server entfernt</translation>
    </message>
    <message>
        <source>another mail program removed them from the server meanwhile</source>
        <translation>inzwischen von einem anderen E-Mail-Programm vom Server entfernt</translation>
    </message>
    <message>
        <source>its archived copy is missing or damaged; check the archive</source>
        <translation>die archivierte Kopie fehlt oder ist beschädigt; bitte prüfen Sie das Archiv</translation>
    </message>
    <message>
        <source>their archived copy is missing or damaged; check the archive</source>
        <translation>die archivierten Kopien fehlen oder sind beschädigt; bitte prüfen Sie das Archiv</translation>
    </message>
    <message>
        <source>Partly done: some of the chosen mail stays on the server; see below why.</source>
        <translation>Teilweise erledigt: Ein Teil der gewählten E-Mails bleibt auf dem Server; warum, steht unten.</translation>
    </message>
    <message>
        <source>Needs your attention:</source>
        <translation>Bitte prüfen:</translation>
    </message>
    <message>
        <source>Kept on the server:</source>
        <translation>Auf dem Server behalten:</translation>
    </message>
    <message>
        <source>{count} message</source>
        <translation>{count} Nachricht</translation>
    </message>
    <message>
        <source>{count} messages</source>
        <translation>{count} Nachrichten</translation>
    </message>
    <message>
        <source>{count} message ({size}) was archived and checked before the stop</source>
        <translation>{count} Nachricht ({size}) wurde bis dahin archiviert und geprüft</translation>
    </message>
    <message>
        <source>{count} messages ({size}) were archived and checked before the stop</source>
        <translation>{count} Nachrichten ({size}) wurden bis dahin archiviert und geprüft</translation>
    </message>
    <message>
        <source>{count} message ({size}) was archived and checked</source>
        <translation>{count} Nachricht ({size}) wurde archiviert und geprüft</translation>
    </message>
    <message>
        <source>{count} messages ({size}) were archived and checked</source>
        <translation>{count} Nachrichten ({size}) wurden archiviert und geprüft</translation>
    </message>
    <message>
        <source>{count} message ({size}) was deleted from the server</source>
        <translation>{count} Nachricht ({size}) wurde vom Server gelöscht</translation>
    </message>
    <message>
        <source>{count} messages ({size}) were deleted from the server</source>
        <translation>{count} Nachrichten ({size}) wurden vom Server gelöscht</translation>
    </message>
    <message>
        <source>Cancelled: {archived}, and {deleted}. Everything else is still on the server; archive again to finish.</source>
        <translation>Abgebrochen: {archived}, und {deleted}. Alles Übrige ist noch auf dem Server; archivieren Sie erneut, um den Vorgang abzuschließen.</translation>
    </message>
    <message>
        <source>Cancelled: {archived} message ({size}) was archived and checked before the stop. Nothing was deleted from the server; everything is still there. Archive again to finish.</source>
        <translation>Abgebrochen: Bis dahin wurde {archived} Nachricht ({size}) archiviert und geprüft. Vom Server wurde nichts gelöscht; alles ist noch dort. Archivieren Sie erneut, um den Vorgang abzuschließen.</translation>
    </message>
    <message>
        <source>The run stopped before its end.
{archived}; {deleted}. Messages not archived are still on the server.</source>
        <translation>Die Archivierung wurde vor ihrem Ende abgebrochen.
{archived}; {deleted}. Nicht archivierte Nachrichten sind noch auf dem Server.</translation>
    </message>
    <message>
        <source>The run stopped: {error}
{archived}; {deleted}. Messages not archived are still on the server.</source>
        <translation>Die Archivierung wurde abgebrochen: {error}
{archived}; {deleted}. Nicht archivierte Nachrichten sind noch auf dem Server.</translation>
    </message>
    <message>
        <source>Archived {archived} ({size}) of {account} and freed {freed} on the server ({deleted} deleted).</source>
        <translation>{archived} ({size}) von {account} archiviert und {freed} auf dem Server freigegeben ({deleted} gelöscht).</translation>
    </message>
    <message>
        <source>Archived {archived} message ({size}) of {account}. Nothing was deleted from the server.</source>
        <translation>{archived} Nachricht ({size}) von {account} archiviert. Vom Server wurde nichts gelöscht.</translation>
    </message>
    <message>
        <source>{already} message was in the archive already.</source>
        <translation>{already} Nachricht war bereits im Archiv.</translation>
    </message>
    <message>
        <source>• {count} archived message is not indexed for search yet; that happens at the next start or search.</source>
        <translation>• {count} archivierte Nachricht ist noch nicht für die Suche erfasst; das geschieht beim nächsten Start oder bei der nächsten Suche.</translation>
    </message>
    <message>
        <source>• {count} archived messages are not indexed for search yet; that happens at the next start or search.</source>
        <translation>• {count} archivierte Nachrichten sind noch nicht für die Suche erfasst; das geschieht beim nächsten Start oder bei der nächsten Suche.</translation>
    </message>
    <message>
        <source>• The counts do not add up for {folders}: messages were removed by another mail program during the run, or a message is not accounted for. See the log for details.</source>
        <translation>• Die Zahlen für {folders} gehen nicht auf: Ein anderes E-Mail-Programm hat während der Archivierung Nachrichten entfernt, oder eine Nachricht ist nicht erfasst. Einzelheiten stehen in der Logdatei.</translation>
    </message>
    <message>
        <source>• Folder {folder}: {count} message arrived during the run; it stays on the server.</source>
        <translation>• Ordner {folder}: {count} Nachricht ist während der Archivierung eingegangen; sie bleibt auf dem Server.</translation>
    </message>
    <message>
        <source>• Folder {folder}: {count} messages arrived during the run; they stay on the server.</source>
        <translation>• Ordner {folder}: {count} Nachrichten sind während der Archivierung eingegangen; sie bleiben auf dem Server.</translation>
    </message>
    <message>
        <source>Cancelled: {archived} messages ({size}) were archived and checked before the stop. Nothing was deleted from the server; everything is still there. Archive again to finish.</source>
        <translation>Abgebrochen: Bis dahin wurden {archived} Nachrichten ({size}) archiviert und geprüft. Vom Server wurde nichts gelöscht; alles ist noch dort. Archivieren Sie erneut, um den Vorgang abzuschließen.</translation>
    </message>
    <message>
        <source>Archived {archived} messages ({size}) of {account}. Nothing was deleted from the server.</source>
        <translation>{archived} Nachrichten ({size}) von {account} archiviert. Vom Server wurde nichts gelöscht.</translation>
    </message>
    <message>
        <source>{already} messages were in the archive already.</source>
        <translation>{already} Nachrichten waren bereits im Archiv.</translation>
    </message>
    <message>
        <source>Server storage: {before} used before the run.</source>
        <translation>Speicherplatz auf dem Server vor der Archivierung: {before} belegt.</translation>
    </message>
    <message>
        <source>Server storage: {before} used before, {after} now, of {limit}.</source>
        <translation>Speicherplatz auf dem Server: vorher {before}, jetzt {after} von {limit} belegt.</translation>
    </message>
    <message>
        <source>Server storage: {before} used before, {after} now.</source>
        <translation>Speicherplatz auf dem Server: vorher {before}, jetzt {after} belegt.</translation>
    </message>
    <message>
        <source>• Folder {folder}: {error}</source>
        <translation>• Ordner {folder}: {error}</translation>
    </message>
    <message>
        <source>• Folder {folder}: {count} message could not be archived; it stays on the server.</source>
        <translation>• Ordner {folder}: {count} Nachricht konnte nicht archiviert werden; sie bleibt auf dem Server.</translation>
    </message>
    <message>
        <source>• Folder {folder}: {count} messages could not be archived; they stay on the server.</source>
        <translation>• Ordner {folder}: {count} Nachrichten konnten nicht archiviert werden; sie bleiben auf dem Server.</translation>
    </message>
    <message>
        <source>• Folder {folder}: {count} message was not reached; it stays on the server. Archive again to finish.</source>
        <translation>• Ordner {folder}: {count} Nachricht wurde nicht mehr bearbeitet; sie bleibt auf dem Server. Archivieren Sie erneut, um den Vorgang abzuschließen.</translation>
    </message>
    <message>
        <source>• Folder {folder}: {count} messages were not reached; they stay on the server. Archive again to finish.</source>
        <translation>• Ordner {folder}: {count} Nachrichten wurden nicht mehr bearbeitet; sie bleiben auf dem Server. Archivieren Sie erneut, um den Vorgang abzuschließen.</translation>
    </message>
    <message>
        <source>• Folder {folder}: {count} message was removed from the server by another mail program during the run.</source>
        <translation>• Ordner {folder}: {count} Nachricht wurde während der Archivierung von einem anderen E-Mail-Programm vom Server entfernt.</translation>
    </message>
    <message>
        <source>• Folder {folder}: {count} messages were removed from the server by another mail program during the run.</source>
        <translation>• Ordner {folder}: {count} Nachrichten wurden während der Archivierung von einem anderen E-Mail-Programm vom Server entfernt.</translation>
    </message>
    <message>
        <source>• The search index was not updated ({error}); it catches up on the next search.</source>
        <translation>• Der Suchindex wurde nicht aktualisiert ({error}); das wird bei der nächsten Suche nachgeholt.</translation>
    </message>
    <message>
        <source>• Folder {folder}: {count} message stays on the server: {reason}.</source>
        <translation>• Ordner {folder}: {count} Nachricht bleibt auf dem Server: {reason}.</translation>
    </message>
    <message>
        <source>• Folder {folder}: {count} messages stay on the server: {reason}.</source>
        <translation>• Ordner {folder}: {count} Nachrichten bleiben auf dem Server: {reason}.</translation>
    </message>
</context>
<context>
    <name>BackupSection</name>
    <message>
        <source>After archiving, this computer holds the only copy of the archived mail. Copy the archive regularly to an external disk or a network drive: only what is new is copied, and every copy is checked. The backup is a complete archive; on a new computer, choose it as the archive folder.</source>
        <translation>Nach dem Archivieren liegt die archivierte Post nur noch auf diesem Computer. Sichern Sie das Archiv regelmäßig auf eine externe Festplatte oder ein Netzlaufwerk: Kopiert wird nur, was neu ist, und jede Kopie wird geprüft. Die Sicherung ist ein vollständiges Archiv; auf einem neuen Computer wählen Sie sie als Archivordner.</translation>
    </message>
    <message>
        <source>Backup folder</source>
        <translation>Sicherungsordner</translation>
    </message>
    <message>
        <source>A folder on an external disk or network drive</source>
        <translation>Ein Ordner auf einer externen Festplatte oder einem Netzlaufwerk</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>Aus&amp;wählen…</translation>
    </message>
    <message>
        <source>Choose the backup folder</source>
        <translation>Sicherungsordner auswählen</translation>
    </message>
    <message>
        <source>Remind after days without a backup</source>
        <translation>Erinnern nach Tagen ohne Sicherung</translation>
    </message>
    <message>
        <source>Never</source>
        <translation>Nie</translation>
    </message>
    <message>
        <source> days</source>
        <translation> Tagen</translation>
    </message>
    <message>
        <source>Last backup</source>
        <translation>Letzte Sicherung</translation>
    </message>
    <message>
        <source>Last backup:</source>
        <translation>Letzte Sicherung:</translation>
    </message>
    <message>
        <source>Backup fold&amp;er:</source>
        <translation>Sicherungs&amp;ziel:</translation>
    </message>
    <message>
        <source>Re&amp;mind after:</source>
        <translation>Er&amp;innern nach:</translation>
    </message>
    <message>
        <source>Back u&amp;p now</source>
        <translation>&amp;Jetzt sichern</translation>
    </message>
    <message>
        <source>Back up now</source>
        <translation>Jetzt sichern</translation>
    </message>
    <message>
        <source>Progress of the backup</source>
        <translation>Fortschritt der Sicherung</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Cancel the backup</source>
        <translation>Sicherung abbrechen</translation>
    </message>
    <message>
        <source>Read the &amp;whole backup back (slower)</source>
        <translation>Ganze Sicherung zurück&amp;lesen (langsamer)</translation>
    </message>
    <message>
        <source>Otherwise files checked by an earlier backup and unchanged since are trusted, and the whole backup is read back only every {days} days.</source>
        <translation>Sonst gelten Dateien, die eine frühere Sicherung geprüft hat und die seitdem unverändert sind, als geprüft, und die ganze Sicherung wird nur alle {days} Tage zurückgelesen.</translation>
    </message>
    <message>
        <source>Backup</source>
        <translation>Sicherung</translation>
    </message>
    <message>
        <source>None yet.</source>
        <translation>Noch keine.</translation>
    </message>
    <message>
        <source>{when}, complete, to {path}.</source>
        <translation>{when}, vollständig, nach {path}.</translation>
    </message>
    <message>
        <source>{when}, complete, to {path}; {damaged} messages were damaged in the archive itself (Check the archive says more).</source>
        <translation>{when}, vollständig, nach {path}; {damaged} Nachrichten waren schon im Archiv beschädigt („Archiv prüfen“ sagt mehr).</translation>
    </message>
    <message>
        <source>{when}, cancelled, to {path}: incomplete; back up again to finish it.</source>
        <translation>{when}, abgebrochen, nach {path}: unvollständig; sichern Sie erneut, um sie abzuschließen.</translation>
    </message>
    <message>
        <source>{when}, failed, to {path}: incomplete; back up again to finish it.</source>
        <translation>{when}, fehlgeschlagen, nach {path}: unvollständig; sichern Sie erneut, um sie abzuschließen.</translation>
    </message>
    <message>
        <source>Choose the backup folder first (a full path).</source>
        <translation>Wählen Sie zuerst den Sicherungsordner (ein vollständiger Pfad).</translation>
    </message>
    <message>
        <source>Preparing…</source>
        <translation>Vorbereiten…</translation>
    </message>
    <message>
        <source>{done} of {total} files, {size} of {all}</source>
        <translation>{done} von {total} Dateien, {size} von {all}</translation>
    </message>
    <message>
        <source>{copied} files copied, {checked} already there and checked ({size} copied).</source>
        <translation>{copied} Dateien kopiert, {checked} schon vorhanden und geprüft ({size} kopiert).</translation>
    </message>
    <message>
        <source>Cancelled: the backup is incomplete and says so. Choose “Back up now” again to finish it; what is there and checked is not copied again.</source>
        <translation>Abgebrochen: Die Sicherung ist unvollständig und als solche gekennzeichnet. Wählen Sie erneut „Jetzt sichern“, um sie abzuschließen; was dort schon geprüft liegt, wird nicht noch einmal kopiert.</translation>
    </message>
    <message>
        <source>{count} messages are damaged in the archive itself and were backed up as they are; choose “Check and repair the archive” for details.</source>
        <translation>{count} Nachrichten sind schon im Archiv beschädigt und wurden so gesichert, wie sie sind; Einzelheiten zeigt „Archiv prüfen und reparieren“.</translation>
    </message>
    <message>
        <source>The backup is complete: every message matches the catalog.</source>
        <translation>Die Sicherung ist vollständig: Jede Nachricht stimmt mit dem Katalog überein.</translation>
    </message>
    <message>
        <source>Files checked by an earlier backup and unchanged since were not read again ({count}); every {days} days the whole backup is read back.</source>
        <translation>Dateien, die eine frühere Sicherung geprüft hat und die seitdem unverändert sind, wurden nicht erneut gelesen ({count}); alle {days} Tage wird die ganze Sicherung zurückgelesen.</translation>
    </message>
</context>
<context>
    <name>FolderTableModel</name>
    <message>
        <source>Folder</source>
        <translation>Ordner</translation>
    </message>
    <message>
        <source>Messages</source>
        <translation>Nachrichten</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>Größe</translation>
    </message>
</context>
<context>
    <name>FolderTree</name>
    <message>
        <source>Folder</source>
        <translation>Ordner</translation>
    </message>
    <message>
        <source>Messages</source>
        <translation>Nachrichten</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>Größe</translation>
    </message>
    <message>
        <source>To archive</source>
        <translation>Zu archivieren</translation>
    </message>
    <message>
        <source>Size to archive</source>
        <translation>Größe zu archivieren</translation>
    </message>
    <message>
        <source>{name} (shared)</source>
        <translation>{name} (geteilt)</translation>
    </message>
    <message>
        <source>Another user&apos;s folder, shared with you.</source>
        <translation>Ordner eines anderen Benutzers, mit Ihnen geteilt.</translation>
    </message>
    <message>
        <source>A public folder, shared with others.</source>
        <translation>Öffentlicher Ordner, mit anderen geteilt.</translation>
    </message>
    <message>
        <source>{folder}
{whose} It is archived only when you tick it, and then deleted for everyone who shares it. It does not count against your storage quota.</source>
        <translation>{folder}
{whose} Er wird nur archiviert, wenn Sie ihn auswählen, und dann für alle gelöscht, die ihn teilen. Er zählt nicht zu Ihrem Speicherplatz auf dem Server.</translation>
    </message>
</context>
<context>
    <name>HitTableModel</name>
    <message>
        <source>Date</source>
        <translation>Datum</translation>
    </message>
    <message>
        <source>From</source>
        <translation>Von</translation>
    </message>
    <message>
        <source>Subject</source>
        <translation>Betreff</translation>
    </message>
    <message>
        <source>Folder</source>
        <translation>Ordner</translation>
    </message>
    <message>
        <source>Account</source>
        <translation>Konto</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>Größe</translation>
    </message>
    <message>
        <source>Attachments</source>
        <translation>Anhänge</translation>
    </message>
    <message>
        <source>(no subject)</source>
        <translation>(kein Betreff)</translation>
    </message>
    <message>
        <source>Found in: {name}</source>
        <translation>Gefunden in: {name}</translation>
    </message>
    <message>
        <source>Found in an attachment (in bold in the preview): {names}</source>
        <translation>Gefunden in einem Anhang (in der Vorschau fett): {names}</translation>
    </message>
    <message>
        <source>Attachments: {names}</source>
        <translation>Anhänge: {names}</translation>
    </message>
</context>
<context>
    <name>ImportPage</name>
    <message>
        <source>Import old mail</source>
        <translation>Alte E-Mails übernehmen</translation>
    </message>
    <message>
        <source>Bring mail kept on this computer into the archive, where it is searched and kept like archived mail: mbox files, Thunderbird&apos;s Local Folders or a whole Thunderbird profile, Maildir folders, folders of .eml files, Outlook .msg files and Outlook data files (.pst, .ost). The files are only read, never changed. Each folder becomes a folder below “Imported”. Outlook keeps no original of a message: its messages are rebuilt from what Outlook stored.</source>
        <translation>Übernimmt E-Mails, die auf diesem Computer liegen, ins Archiv, wo sie wie archivierte E-Mails durchsucht und aufbewahrt werden: mbox-Dateien, die Lokalen Ordner von Thunderbird oder ein ganzes Thunderbird-Profil, Maildir-Ordner, Ordner mit .eml-Dateien, Outlook-Nachrichten (.msg) und Outlook-Datendateien (.pst, .ost). Die Dateien werden nur gelesen, nie verändert. Jeder Ordner wird ein Ordner unter „Imported“. Outlook bewahrt keine Originale der Nachrichten auf: Seine Nachrichten werden aus den von Outlook gespeicherten Angaben neu zusammengesetzt.</translation>
    </message>
    <message>
        <source>Account whose archive receives the mail</source>
        <translation>Konto, in dessen Archiv die E-Mails kommen</translation>
    </message>
    <message>
        <source>Files and folders to import</source>
        <translation>Zu übernehmende Dateien und Ordner</translation>
    </message>
    <message>
        <source>Add &amp;files…</source>
        <translation>&amp;Dateien hinzufügen…</translation>
    </message>
    <message>
        <source>Add f&amp;older…</source>
        <translation>&amp;Ordner hinzufügen…</translation>
    </message>
    <message>
        <source>&amp;Remove</source>
        <translation>&amp;Entfernen</translation>
    </message>
    <message>
        <source>&amp;Look at the sources</source>
        <translation>Quellen an&amp;sehen</translation>
    </message>
    <message>
        <source>&amp;Import</source>
        <translation>Über&amp;nehmen</translation>
    </message>
    <message>
        <source>&amp;Cancel</source>
        <translation>Ab&amp;brechen</translation>
    </message>
    <message>
        <source>What the sources hold</source>
        <translation>Was die Quellen enthalten</translation>
    </message>
    <message>
        <source>Folder in the archive</source>
        <translation>Ordner im Archiv</translation>
    </message>
    <message>
        <source>Messages</source>
        <translation>Nachrichten</translation>
    </message>
    <message>
        <source>New</source>
        <translation>Neu</translation>
    </message>
    <message>
        <source>Imported before</source>
        <translation>Schon übernommen</translation>
    </message>
    <message>
        <source>Already in the archive</source>
        <translation>Schon im Archiv</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>Quelle</translation>
    </message>
    <message>
        <source>Import progress</source>
        <translation>Fortschritt der Übernahme</translation>
    </message>
    <message>
        <source>Into the archive of:</source>
        <translation>In das Archiv von:</translation>
    </message>
    <message>
        <source>Choose mail files</source>
        <translation>E-Mail-Dateien wählen</translation>
    </message>
    <message>
        <source>Mail files (*.mbox *.mbx *.eml *.msg *.pst *.ost);;All files (*)</source>
        <translation>E-Mail-Dateien (*.mbox *.mbx *.eml *.msg *.pst *.ost);;Alle Dateien (*)</translation>
    </message>
    <message>
        <source>reading Outlook .msg files needs the additional package olefile, which this installation lacks (the app for Windows includes it)</source>
        <translation>zum Lesen von Outlook-Nachrichten (.msg) wird das Zusatzpaket olefile benötigt, das in dieser Installation fehlt (die Windows-Version des Programms enthält es)</translation>
    </message>
    <message>
        <source>reading Outlook .pst and .ost files needs the additional package libpff-python, which this installation lacks (the app for Windows includes it)</source>
        <translation>zum Lesen von Outlook-Datendateien (.pst, .ost) wird das Zusatzpaket libpff-python benötigt, das in dieser Installation fehlt (die Windows-Version des Programms enthält es)</translation>
    </message>
    <message>
        <source>the Outlook data file cannot be read</source>
        <translation>die Outlook-Datendatei kann nicht gelesen werden</translation>
    </message>
    <message>
        <source>the Outlook data file holds no messages</source>
        <translation>die Outlook-Datendatei enthält keine Nachrichten</translation>
    </message>
    <message>
        <source>the Outlook item cannot be read</source>
        <translation>das Outlook-Element kann nicht gelesen werden</translation>
    </message>
    <message>
        <source>not an Outlook message file</source>
        <translation>keine Outlook-Nachrichtendatei</translation>
    </message>
    <message>
        <source>Choose a mail folder or Thunderbird profile</source>
        <translation>E-Mail-Ordner oder Thunderbird-Profil wählen</translation>
    </message>
    <message>
        <source>Looking at the sources…</source>
        <translation>Die Quellen werden angesehen…</translation>
    </message>
    <message>
        <source>Importing…</source>
        <translation>Wird übernommen…</translation>
    </message>
    <message>
        <source>{done} of {total} messages: {where}</source>
        <translation>{done} von {total} Nachrichten: {where}</translation>
    </message>
    <message>
        <source>{done} of {total} messages</source>
        <translation>{done} von {total} Nachrichten</translation>
    </message>
    <message>
        <source>{found} messages found; {new} ({size}) are new and can be imported.</source>
        <translation>{found} Nachrichten gefunden; {new} ({size}) sind neu und können übernommen werden.</translation>
    </message>
    <message>
        <source>Imported {new} messages ({size}) of {found} found.</source>
        <translation>{new} Nachrichten ({size}) von {found} gefundenen übernommen.</translation>
    </message>
    <message>
        <source>{before} were imported before and {twice} are already in the archive; they are not stored twice.</source>
        <translation>{before} wurden schon früher übernommen und {twice} sind schon im Archiv; sie werden nicht doppelt gespeichert.</translation>
    </message>
    <message>
        <source>{count} are marked deleted in Thunderbird and were left out.</source>
        <translation>{count} sind in Thunderbird als gelöscht markiert und wurden ausgelassen.</translation>
    </message>
    <message>
        <source>Unreadable: {where} ({reason})</source>
        <translation>Nicht lesbar: {where} ({reason})</translation>
    </message>
    <message>
        <source>The file ends inside a message; it was taken as far as it goes: {where}</source>
        <translation>Die Datei endet mitten in einer Nachricht; sie wurde so weit übernommen, wie sie reicht: {where}</translation>
    </message>
    <message>
        <source>Not imported: {path} ({reason})</source>
        <translation>Nicht übernommen: {path} ({reason})</translation>
    </message>
    <message>
        <source>Cancelled at a safe point; import again to finish.</source>
        <translation>An einer sicheren Stelle abgebrochen; zum Fertigstellen erneut übernehmen.</translation>
    </message>
    <message>
        <source>Stopped: {error}</source>
        <translation>Angehalten: {error}</translation>
    </message>
    <message>
        <source>The search index catches up on the next search.</source>
        <translation>Der Suchindex holt das bei der nächsten Suche nach.</translation>
    </message>
    <message>
        <source>the cache of an IMAP account: its mail is on the server; archive it from there</source>
        <translation>Zwischenspeicher eines IMAP-Kontos: seine E-Mails liegen auf dem Server; archivieren Sie sie von dort</translation>
    </message>
    <message>
        <source>not found</source>
        <translation>nicht gefunden</translation>
    </message>
    <message>
        <source>not a mail file</source>
        <translation>keine E-Mail-Datei</translation>
    </message>
    <message>
        <source>not an mbox file</source>
        <translation>keine mbox-Datei</translation>
    </message>
    <message>
        <source>empty message</source>
        <translation>leere Nachricht</translation>
    </message>
    <message>
        <source>empty file</source>
        <translation>leere Datei</translation>
    </message>
    <message>
        <source>the stored copy differs from the source</source>
        <translation>die gespeicherte Kopie weicht von der Quelle ab</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>IMAP Archiver</source>
        <translation>IMAP Archiver</translation>
    </message>
    <message>
        <source>Pages</source>
        <translation>Seiten</translation>
    </message>
    <message>
        <source>Accounts</source>
        <translation>Konten</translation>
    </message>
    <message>
        <source>Archive</source>
        <translation>Archivieren</translation>
    </message>
    <message>
        <source>Import</source>
        <translation>Importieren</translation>
    </message>
    <message>
        <source>Search</source>
        <translation>Suche</translation>
    </message>
    <message>
        <source>Record</source>
        <translation>Protokoll</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>Einstellungen</translation>
    </message>
    <message>
        <source>Search index</source>
        <translation>Suchindex</translation>
    </message>
    <message>
        <source>Last automatic run</source>
        <translation>Letzter automatischer Lauf</translation>
    </message>
    <message>
        <source>A job is running</source>
        <translation>Ein Vorgang läuft</translation>
    </message>
    <message>
        <source>A job is still running. Stop it and close? It stops at a safe point: nothing is lost, and messages not yet archived stay on the server.</source>
        <translation>Ein Vorgang läuft noch. Vorgang anhalten und schließen? Er wird an einem sicheren Punkt angehalten: Es geht nichts verloren, und noch nicht archivierte Nachrichten bleiben auf dem Server.</translation>
    </message>
    <message>
        <source>Stopping at a safe point…</source>
        <translation>Wird an einem sicheren Punkt angehalten…</translation>
    </message>
</context>
<context>
    <name>MessageView</name>
    <message>
        <source>From:</source>
        <translation>Von:</translation>
    </message>
    <message>
        <source>To:</source>
        <translation>An:</translation>
    </message>
    <message>
        <source>Cc:</source>
        <translation>Kopie (CC):</translation>
    </message>
    <message>
        <source>Date:</source>
        <translation>Datum:</translation>
    </message>
    <message>
        <source>Folder:</source>
        <translation>Ordner:</translation>
    </message>
    <message>
        <source>Images and other content from the internet were not loaded.</source>
        <translation>Bilder und andere Inhalte aus dem Internet wurden nicht geladen.</translation>
    </message>
    <message>
        <source>Message text</source>
        <translation>Nachrichtentext</translation>
    </message>
    <message>
        <source>Attachments</source>
        <translation>Anhänge</translation>
    </message>
    <message>
        <source>Sa&amp;ve attachments…</source>
        <translation>Anhänge s&amp;peichern…</translation>
    </message>
    <message>
        <source>Save attachments</source>
        <translation>Anhänge speichern</translation>
    </message>
    <message>
        <source>Save the selected attachments (or all of them) into a folder.</source>
        <translation>Die ausgewählten Anhänge (oder alle) in einem Ordner speichern.</translation>
    </message>
    <message>
        <source>Attachments:</source>
        <translation>Anhänge:</translation>
    </message>
    <message>
        <source>Select a message to read it here.</source>
        <translation>Wählen Sie eine Nachricht aus, um sie hier zu lesen.</translation>
    </message>
    <message>
        <source>(no subject)</source>
        <translation>(kein Betreff)</translation>
    </message>
    <message>
        <source>{date}, {time}</source>
        <translation>{date}, {time}</translation>
    </message>
    <message>
        <source>{folder} (account {account})</source>
        <translation>{folder} (Konto {account})</translation>
    </message>
    <message>
        <source>{name} ({size})</source>
        <translation>{name} ({size})</translation>
    </message>
    <message>
        <source>(no name)</source>
        <translation>(ohne Namen)</translation>
    </message>
</context>
<context>
    <name>ProgressPanel</name>
    <message>
        <source>Overall progress</source>
        <translation>Gesamtfortschritt</translation>
    </message>
    <message>
        <source>&amp;Cancel</source>
        <translation>Ab&amp;brechen</translation>
    </message>
    <message>
        <source>Cancel the running job</source>
        <translation>Laufenden Vorgang abbrechen</translation>
    </message>
    <message>
        <source>The server is freed. Indexing the archived messages for search…</source>
        <translation>Der Server ist freigeräumt. Die archivierten Nachrichten werden für die Suche erfasst …</translation>
    </message>
    <message>
        <source>&amp;Stop indexing</source>
        <translation>Erfassung &amp;anhalten</translation>
    </message>
    <message>
        <source>What is not indexed yet is indexed at the next start or search.</source>
        <translation>Was noch nicht erfasst ist, wird beim nächsten Start oder bei der nächsten Suche erfasst.</translation>
    </message>
    <message>
        <source>Stopping at a safe point…</source>
        <translation>Wird an einem sicheren Punkt angehalten…</translation>
    </message>
    <message>
        <source>Looking at folder {folder} ({number} of {count})…</source>
        <translation>Ordner {folder} wird durchgesehen ({number} von {count})…</translation>
    </message>
    <message>
        <source>All copies checked. Finishing…</source>
        <translation>Alle Kopien geprüft. Wird abgeschlossen…</translation>
    </message>
    <message>
        <source>All copies checked. Deleting them from the server…</source>
        <translation>Alle Kopien geprüft. Die Nachrichten werden vom Server gelöscht…</translation>
    </message>
    <message>
        <source>Archiving folder {folder}…</source>
        <translation>Ordner {folder} wird archiviert…</translation>
    </message>
    <message>
        <source>Archiving…</source>
        <translation>Wird archiviert…</translation>
    </message>
    <message>
        <source>{done} of {total} message · {bytes_done} of {bytes_total}</source>
        <translation>{done} von {total} Nachricht · {bytes_done} von {bytes_total}</translation>
    </message>
    <message>
        <source>{done} of {total} messages · {bytes_done} of {bytes_total}</source>
        <translation>{done} von {total} Nachrichten · {bytes_done} von {bytes_total}</translation>
    </message>
    <message>
        <source>{done} of {total} messages · {rate} message/s · {bytes_done} of {bytes_total} · about {eta} left</source>
        <translation>{done} von {total} Nachrichten · {rate} Nachricht/s · {bytes_done} von {bytes_total} · noch etwa {eta}</translation>
    </message>
    <message>
        <source>{done} of {total} messages · {rate} messages/s · {bytes_done} of {bytes_total} · about {eta} left</source>
        <translation>{done} von {total} Nachrichten · {rate} Nachrichten/s · {bytes_done} von {bytes_total} · noch etwa {eta}</translation>
    </message>
    <message>
        <source>The server is freed. Writing the search index; search finds the messages when that is done.</source>
        <translation>Der Server ist freigeräumt. Der Suchindex wird geschrieben; die Suche findet die Nachrichten, sobald das abgeschlossen ist.</translation>
    </message>
    <message>
        <source>The server is freed. Indexing the archived messages for search ({done} of {total}); search finds them when that is done.</source>
        <translation>Der Server ist freigeräumt. Die archivierten Nachrichten werden für die Suche erfasst ({done} von {total}); die Suche findet sie, sobald das abgeschlossen ist.</translation>
    </message>
    <message>
        <source>Indexing the archived messages for search ({done} of {total})…</source>
        <translation>Archivierte Nachrichten werden für die Suche indiziert ({done} von {total})…</translation>
    </message>
</context>
<context>
    <name>QuotaBar</name>
    <message>
        <source>Quota on the server</source>
        <translation>Speicherkontingent auf dem Server</translation>
    </message>
</context>
<context>
    <name>RecordPage</name>
    <message>
        <source>The record lists every archived message: date, sender, subject, size, its SHA-256 checksum, when it was archived and when it was deleted from the server. Settings → Check and repair the archive shows that the archived messages still match these checksums.</source>
        <translation>Das Protokoll listet jede archivierte Nachricht auf: Datum, Absender, Betreff, Größe, ihre SHA-256-Prüfsumme, wann sie archiviert und wann sie vom Server gelöscht wurde. Einstellungen → Archiv prüfen und reparieren zeigt, dass die archivierten Nachrichten noch zu diesen Prüfsummen passen.</translation>
    </message>
    <message>
        <source>Account</source>
        <translation>Konto</translation>
    </message>
    <message>
        <source>All &amp;dates</source>
        <translation>Gesamter &amp;Zeitraum</translation>
    </message>
    <message>
        <source>Archived from</source>
        <translation>Archiviert ab</translation>
    </message>
    <message>
        <source>Archived until</source>
        <translation>Archiviert bis</translation>
    </message>
    <message>
        <source>Acc&amp;ount:</source>
        <translation>&amp;Konto:</translation>
    </message>
    <message>
        <source>from</source>
        <translation>von</translation>
    </message>
    <message>
        <source>until</source>
        <translation>bis</translation>
    </message>
    <message>
        <source>Archive runs of the period</source>
        <translation>Archivierungen im Zeitraum</translation>
    </message>
    <message>
        <source>Save as &amp;CSV…</source>
        <translation>Als &amp;CSV speichern…</translation>
    </message>
    <message>
        <source>Save the record as a CSV file for Excel</source>
        <translation>Das Protokoll als CSV-Datei für Excel speichern</translation>
    </message>
    <message>
        <source>Save as &amp;HTML…</source>
        <translation>Als &amp;HTML speichern…</translation>
    </message>
    <message>
        <source>Save the record as an HTML page</source>
        <translation>Das Protokoll als HTML-Seite speichern</translation>
    </message>
    <message>
        <source>Progress of the record</source>
        <translation>Fortschritt des Protokolls</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Cancel the record</source>
        <translation>Protokoll abbrechen</translation>
    </message>
    <message>
        <source>Record of archived mail</source>
        <translation>Protokoll der archivierten E-Mails</translation>
    </message>
    <message>
        <source>German offices keep business letters for 6 or 10 years. Messages older than the age set here are counted and can be saved as a list; nothing is ever deleted from the archive by it.</source>
        <translation>Geschäftsbriefe sind 6 oder 10 Jahre aufzubewahren. Nachrichten, die älter sind als das hier eingestellte Alter, werden gezählt und lassen sich als Liste speichern; aus dem Archiv wird dadurch nie etwas gelöscht.</translation>
    </message>
    <message>
        <source>Retention in years</source>
        <translation>Aufbewahrungsfrist in Jahren</translation>
    </message>
    <message>
        <source>Off</source>
        <translation>Aus</translation>
    </message>
    <message>
        <source> years</source>
        <translation> Jahren</translation>
    </message>
    <message>
        <source>List messages older &amp;than:</source>
        <translation>Nachrichten auflisten, &amp;älter als:</translation>
    </message>
    <message>
        <source>Save the &amp;list…</source>
        <translation>&amp;Liste speichern…</translation>
    </message>
    <message>
        <source>Save the list of messages past the retention age</source>
        <translation>Die Liste der Nachrichten nach Ablauf der Aufbewahrungsfrist speichern</translation>
    </message>
    <message>
        <source>Retention</source>
        <translation>Aufbewahrungsfrist</translation>
    </message>
    <message>
        <source>{count} archived messages are dated before {day}. Save the list and decide what to do with them; the app deletes nothing from the archive.</source>
        <translation>{count} archivierte Nachrichten sind vor dem {day} datiert. Speichern Sie die Liste und entscheiden Sie, was mit ihnen geschehen soll; das Programm löscht nichts aus dem Archiv.</translation>
    </message>
    <message>
        <source>No archived message is dated before {day}.</source>
        <translation>Keine archivierte Nachricht ist vor dem {day} datiert.</translation>
    </message>
    <message>
        <source>All accounts</source>
        <translation>Alle Konten</translation>
    </message>
    <message>
        <source>record</source>
        <translation>Protokoll</translation>
    </message>
    <message>
        <source>retention</source>
        <translation>Aufbewahrung</translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation>CSV-Dateien (*.csv)</translation>
    </message>
    <message>
        <source>Web pages (*.html)</source>
        <translation>Webseiten (*.html)</translation>
    </message>
    <message>
        <source>Save the record</source>
        <translation>Protokoll speichern</translation>
    </message>
    <message>
        <source>Cancelled; no record was saved.</source>
        <translation>Abgebrochen; es wurde kein Protokoll gespeichert.</translation>
    </message>
    <message>
        <source>Saved the record of {count} messages ({deleted} deleted from the server) as {path}.</source>
        <translation>Das Protokoll über {count} Nachrichten ({deleted} vom Server gelöscht) wurde als {path} gespeichert.</translation>
    </message>
    <message>
        <source>The record could not be saved as {path}: {detail}.</source>
        <translation>Das Protokoll konnte nicht als {path} gespeichert werden: {detail}.</translation>
    </message>
</context>
<context>
    <name>ReminderNotice</name>
    <message>
        <source>Back up…</source>
        <translation>Sichern…</translation>
    </message>
    <message>
        <source>Go to the backup settings</source>
        <translation>Zu den Einstellungen der Sicherung</translation>
    </message>
    <message>
        <source>This computer now holds the only copy of {count} messages: they were deleted from the server after archiving. Back them up to an external disk or a network drive.</source>
        <translation>Dieser Computer enthält jetzt die einzige Kopie von {count} Nachrichten: Sie wurden nach dem Archivieren vom Server gelöscht. Sichern Sie sie auf eine externe Festplatte oder ein Netzlaufwerk.</translation>
    </message>
    <message>
        <source>The last backup ({when}) did not finish. This computer holds the only copy of {count} messages; back up again to finish it.</source>
        <translation>Die letzte Sicherung ({when}) wurde nicht abgeschlossen. Dieser Computer enthält die einzige Kopie von {count} Nachrichten; sichern Sie erneut, um sie abzuschließen.</translation>
    </message>
    <message>
        <source>The last backup was {days} days ago ({when}). This computer holds the only copy of {count} messages; back them up again.</source>
        <translation>Die letzte Sicherung liegt {days} Tage zurück ({when}). Dieser Computer enthält die einzige Kopie von {count} Nachrichten; sichern Sie sie erneut.</translation>
    </message>
</context>
<context>
    <name>RunLogModel</name>
    <message>
        <source>Started</source>
        <translation>Beginn</translation>
    </message>
    <message>
        <source>Account</source>
        <translation>Konto</translation>
    </message>
    <message>
        <source>Archived</source>
        <translation>Archiviert</translation>
    </message>
    <message>
        <source>Deleted from server</source>
        <translation>Gelöscht</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>Größe</translation>
    </message>
    <message>
        <source>Quota used after</source>
        <translation>Danach belegt</translation>
    </message>
    <message>
        <source>Outcome</source>
        <translation>Ergebnis</translation>
    </message>
    <message>
        <source>Stopped by an error</source>
        <translation>Durch Fehler abgebrochen</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>Abgebrochen</translation>
    </message>
    <message>
        <source>{count} problem</source>
        <translation>{count} Problem</translation>
    </message>
    <message>
        <source>{count} problems</source>
        <translation>{count} Probleme</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>OK</translation>
    </message>
</context>
<context>
    <name>ScheduleSection</name>
    <message>
        <source>Accounts archived automatically</source>
        <translation>Automatisch archivierte Konten</translation>
    </message>
    <message>
        <source>How often</source>
        <translation>Wie oft</translation>
    </message>
    <message>
        <source>every day</source>
        <translation>jeden Tag</translation>
    </message>
    <message>
        <source>every week (Mondays)</source>
        <translation>jede Woche (montags)</translation>
    </message>
    <message>
        <source>every month (on the 1st)</source>
        <translation>jeden Monat (am 1.)</translation>
    </message>
    <message>
        <source>Archive mail older than</source>
        <translation>E-Mails archivieren, die älter sind als</translation>
    </message>
    <message>
        <source>older than 3 months</source>
        <translation>älter als 3 Monate</translation>
    </message>
    <message>
        <source>older than 6 months</source>
        <translation>älter als 6 Monate</translation>
    </message>
    <message>
        <source>older than 1 year</source>
        <translation>älter als 1 Jahr</translation>
    </message>
    <message>
        <source>older than 2 years</source>
        <translation>älter als 2 Jahre</translation>
    </message>
    <message>
        <source>Time of day</source>
        <translation>Uhrzeit</translation>
    </message>
    <message>
        <source>Keep flagged messages on the server</source>
        <translation>Markierte Nachrichten auf dem Server lassen</translation>
    </message>
    <message>
        <source>Keep unread messages on the server</source>
        <translation>Ungelesene Nachrichten auf dem Server lassen</translation>
    </message>
    <message>
        <source>Turn o&amp;n</source>
        <translation>&amp;Einschalten</translation>
    </message>
    <message>
        <source>Turn automatic archiving on</source>
        <translation>Automatisches Archivieren einschalten</translation>
    </message>
    <message>
        <source>T&amp;urn off</source>
        <translation>A&amp;usschalten</translation>
    </message>
    <message>
        <source>Turn automatic archiving off</source>
        <translation>Automatisches Archivieren ausschalten</translation>
    </message>
    <message>
        <source>State of automatic archiving</source>
        <translation>Zustand des automatischen Archivierens</translation>
    </message>
    <message>
        <source>Accounts left out</source>
        <translation>Ausgelassene Konten</translation>
    </message>
    <message>
        <source>Last automatic run</source>
        <translation>Letzter automatischer Lauf</translation>
    </message>
    <message>
        <source>Runs even when the app is closed, as a task of this computer&apos;s scheduler. A run missed while the computer was off is made up when it next starts. Only accounts whose password is stored can be archived automatically.</source>
        <translation>Läuft auch bei geschlossenem Programm, als Aufgabe der Aufgabenplanung dieses Computers. Ein Lauf, der ausfiel, weil der Computer aus war, wird beim nächsten Start nachgeholt. Automatisch archivieren lassen sich nur Konten, deren Passwort gespeichert ist.</translation>
    </message>
    <message>
        <source>Archive</source>
        <translation>Archivieren:</translation>
    </message>
    <message>
        <source>mail</source>
        <translation>E-Mails</translation>
    </message>
    <message>
        <source>at</source>
        <translation>um</translation>
    </message>
    <message>
        <source>Archive automatically</source>
        <translation>Automatisch archivieren</translation>
    </message>
    <message>
        <source>all accounts</source>
        <translation>alle Konten</translation>
    </message>
    <message>
        <source>older than {age}</source>
        <translation>älter als {age}</translation>
    </message>
    <message>
        <source>Sa&amp;ve</source>
        <translation>Spei&amp;chern</translation>
    </message>
    <message>
        <source>Not archived automatically, because their password is asked each time: {accounts}. Store their password in the system keyring (Accounts → Edit).</source>
        <translation>Nicht automatisch archiviert, weil ihr Passwort jedes Mal abgefragt wird: {accounts}. Speichern Sie ihr Passwort im Schlüsselbund des Systems (Konten → Bearbeiten).</translation>
    </message>
    <message>
        <source>Off: mail is archived when you start it on the Archive page.</source>
        <translation>Ausgeschaltet: E-Mails werden archiviert, wenn Sie es auf der Seite „Archivieren“ starten.</translation>
    </message>
    <message>
        <source>Asking this computer&apos;s scheduler…</source>
        <translation>Die Aufgabenplanung dieses Computers wird gefragt…</translation>
    </message>
    <message>
        <source>On. The task is installed in this computer&apos;s scheduler.</source>
        <translation>Eingeschaltet. Die Aufgabe ist in der Aufgabenplanung dieses Computers eingetragen.</translation>
    </message>
    <message>
        <source>On, but this computer&apos;s scheduler does not have the task: click Save to install it again.</source>
        <translation>Eingeschaltet, aber die Aufgabenplanung dieses Computers hat die Aufgabe nicht: Klicken Sie auf „Speichern“, um sie wieder einzutragen.</translation>
    </message>
    <message>
        <source>The password of {account} is asked each time, so it cannot be archived automatically. Store its password in the system keyring (Accounts → Edit), or use a password command.</source>
        <translation>Das Passwort von {account} wird jedes Mal abgefragt, deshalb kann es nicht automatisch archiviert werden. Speichern Sie das Passwort im Schlüsselbund des Systems (Konten → Bearbeiten) oder verwenden Sie einen Passwort-Befehl.</translation>
    </message>
    <message>
        <source>This computer&apos;s scheduler ({tool}) refused: {detail}</source>
        <translation>Die Aufgabenplanung dieses Computers ({tool}) hat abgelehnt: {detail}</translation>
    </message>
</context>
<context>
    <name>SearchPage</name>
    <message>
        <source>Search query</source>
        <translation>Suchanfrage</translation>
    </message>
    <message>
        <source>Search: words, from:meier, subject:invoice, date:2022, has:attachment …</source>
        <translation>Suchen: Wörter, von:meier, betreff:rechnung, date:2022, has:attachment …</translation>
    </message>
    <message>
        <source>Words are searched in subject, names, text and attachment names; umlauts, word forms and parts of compound words are found too. Fields narrow it: from: to: cc: subject: folder: account: &quot;exact phrase&quot; has:attachment is:unread is:flagged date:2022 date:[2022-01-01 to 2022-06-30] size:&gt;5MB, with AND, OR, NOT and parentheses.</source>
        <translation>Gesucht wird in Betreff, Namen, Text und Namen von Anhängen; auch Umlaute, Wortformen und Teile zusammengesetzter Wörter werden gefunden. Felder grenzen die Suche ein: von: an: cc: betreff: ordner: account: &quot;genaue Wortfolge&quot; has:attachment is:unread is:flagged date:2022 date:[2022-01-01 to 2022-06-30] size:&gt;5MB, kombinierbar mit AND, OR, NOT und Klammern.</translation>
    </message>
    <message>
        <source>&amp;Search</source>
        <translation>&amp;Suchen</translation>
    </message>
    <message>
        <source>Search now</source>
        <translation>Jetzt suchen</translation>
    </message>
    <message>
        <source>Account</source>
        <translation>Konto</translation>
    </message>
    <message>
        <source>Folder</source>
        <translation>Ordner</translation>
    </message>
    <message>
        <source>Any folder</source>
        <translation>Alle Ordner</translation>
    </message>
    <message>
        <source>Fro&amp;m</source>
        <translation>&amp;Ab</translation>
    </message>
    <message>
        <source>Only messages from this date on</source>
        <translation>Nur Nachrichten ab diesem Datum</translation>
    </message>
    <message>
        <source>From date</source>
        <translation>Anfangsdatum</translation>
    </message>
    <message>
        <source>&amp;To</source>
        <translation>&amp;Bis</translation>
    </message>
    <message>
        <source>Only messages up to this date</source>
        <translation>Nur Nachrichten bis zu diesem Datum</translation>
    </message>
    <message>
        <source>To date</source>
        <translation>Enddatum</translation>
    </message>
    <message>
        <source>&amp;Has attachment</source>
        <translation>&amp;Mit Anhang</translation>
    </message>
    <message>
        <source>Only messages with attachments</source>
        <translation>Nur Nachrichten mit Anhängen</translation>
    </message>
    <message>
        <source>Search results</source>
        <translation>Suchergebnisse</translation>
    </message>
    <message>
        <source>&amp;Restore to server</source>
        <translation>Auf dem Server &amp;wiederherstellen</translation>
    </message>
    <message>
        <source>Put the selected messages back into their folders on the server.</source>
        <translation>Die ausgewählten Nachrichten in ihren Ordnern auf dem Server wiederherstellen.</translation>
    </message>
    <message>
        <source>As .&amp;eml files into a folder…</source>
        <translation>Als .eml-Dateien in einen &amp;Ordner…</translation>
    </message>
    <message>
        <source>As one &amp;mbox file…</source>
        <translation>Als eine &amp;mbox-Datei…</translation>
    </message>
    <message>
        <source>&amp;Open in mail program</source>
        <translation>Im &amp;E-Mail-Programm öffnen</translation>
    </message>
    <message>
        <source>Open the message in your mail program.</source>
        <translation>Die Nachricht in Ihrem E-Mail-Programm öffnen.</translation>
    </message>
    <message>
        <source>Export</source>
        <translation>Exportieren</translation>
    </message>
    <message>
        <source>Restore to server</source>
        <translation>Auf dem Server wiederherstellen</translation>
    </message>
    <message>
        <source>E&amp;xport…</source>
        <translation>E&amp;xportieren…</translation>
    </message>
    <message>
        <source>Write the selected messages as .eml files or into one mbox file.</source>
        <translation>Die ausgewählten Nachrichten als .eml-Dateien oder in eine mbox-Datei exportieren.</translation>
    </message>
    <message>
        <source>Open in mail program</source>
        <translation>Im E-Mail-Programm öffnen</translation>
    </message>
    <message>
        <source>Why the message did not open</source>
        <translation>Warum die Nachricht nicht geöffnet wurde</translation>
    </message>
    <message>
        <source>Progress</source>
        <translation>Fortschritt</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>&amp;Account:</source>
        <translation>&amp;Konto:</translation>
    </message>
    <message>
        <source>&amp;Folder:</source>
        <translation>&amp;Ordner:</translation>
    </message>
    <message>
        <source>Search status</source>
        <translation>Suchstatus</translation>
    </message>
    <message>
        <source>Search index incomplete</source>
        <translation>Suchindex unvollständig</translation>
    </message>
    <message>
        <source>All accounts</source>
        <translation>Alle Konten</translation>
    </message>
    <message>
        <source>Searching…</source>
        <translation>Suche läuft…</translation>
    </message>
    <message>
        <source>Preparing the search index: {done} of {total} message…</source>
        <translation>Suchindex wird vorbereitet: {done} von {total} Nachricht…</translation>
    </message>
    <message>
        <source>Preparing the search index: {done} of {total} messages…</source>
        <translation>Suchindex wird vorbereitet: {done} von {total} Nachrichten…</translation>
    </message>
    <message>
        <source>Nothing is archived yet. Archive mail on the Archive page first.</source>
        <translation>Noch nichts archiviert. Archivieren Sie zuerst E-Mails auf der Seite „Archivieren“.</translation>
    </message>
    <message>
        <source>The search index is still catching up: {indexed} of {archived} messages indexed, so some may be missing from the results. Search again later.</source>
        <translation>Der Suchindex wird noch ergänzt: {indexed} von {archived} Nachrichten sind im Index, einige fehlen deshalb womöglich in den Ergebnissen. Suchen Sie später erneut.</translation>
    </message>
    <message>
        <source>No messages found.</source>
        <translation>Keine Nachrichten gefunden.</translation>
    </message>
    <message>
        <source>Showing the newest {shown} of {total} messages.</source>
        <translation>Die neuesten {shown} von {total} Nachrichten werden angezeigt.</translation>
    </message>
    <message>
        <source>1 message</source>
        <translation>1 Nachricht</translation>
    </message>
    <message>
        <source>{count} messages</source>
        <translation>{count} Nachrichten</translation>
    </message>
    <message>
        <source>This message cannot be shown: {reason}</source>
        <translation>Diese Nachricht kann nicht angezeigt werden: {reason}</translation>
    </message>
    <message>
        <source>{done} of {total}</source>
        <translation>{done} von {total}</translation>
    </message>
    <message>
        <source>The account {name} is not set up any more; add it on the Accounts page to restore its messages.</source>
        <translation>Das Konto {name} ist nicht mehr eingerichtet. Fügen Sie es auf der Seite „Konten“ wieder hinzu, um seine Nachrichten wiederherzustellen.</translation>
    </message>
    <message>
        <source>Put this message back into its folder on the server?</source>
        <translation>Diese Nachricht in ihrem Ordner auf dem Server wiederherstellen?</translation>
    </message>
    <message>
        <source>Put these {count} messages back into their folders on the server?</source>
        <translation>Diese {count} Nachrichten in ihren Ordnern auf dem Server wiederherstellen?</translation>
    </message>
    <message>
        <source>Each copy is checked after the upload, messages already there are skipped, and the archive keeps its copies.</source>
        <translation>Jede Kopie wird nach dem Hochladen geprüft, bereits vorhandene Nachrichten werden übersprungen, und das Archiv behält seine Kopien.</translation>
    </message>
    <message>
        <source>Restoring…</source>
        <translation>Wird wiederhergestellt…</translation>
    </message>
    <message>
        <source>Restore finished: {restored} restored, {already} already there, {failed} failed, {not_reached} not reached. The archive keeps every message.</source>
        <translation>Wiederherstellung abgeschlossen: {restored} wiederhergestellt, {already} bereits vorhanden, {failed} fehlgeschlagen, {not_reached} nicht bearbeitet. Das Archiv behält alle Nachrichten.</translation>
    </message>
    <message>
        <source>Message {id} failed: {reason}</source>
        <translation>Nachricht {id} fehlgeschlagen: {reason}</translation>
    </message>
    <message>
        <source>Stopped: {reason}</source>
        <translation>Abgebrochen: {reason}</translation>
    </message>
    <message>
        <source>Restore again to finish; nothing is restored twice.</source>
        <translation>Starten Sie die Wiederherstellung erneut, um sie abzuschließen; keine Nachricht wird doppelt wiederhergestellt.</translation>
    </message>
    <message>
        <source>Export as .eml files into a folder</source>
        <translation>Als .eml-Dateien in einen Ordner exportieren</translation>
    </message>
    <message>
        <source>Export into an mbox file</source>
        <translation>In eine mbox-Datei exportieren</translation>
    </message>
    <message>
        <source>mbox files (*.mbox);;All files (*)</source>
        <translation>mbox-Dateien (*.mbox);;Alle Dateien (*)</translation>
    </message>
    <message>
        <source>Exporting…</source>
        <translation>Wird exportiert…</translation>
    </message>
    <message>
        <source>Export cancelled; {target} was not written.</source>
        <translation>Export abgebrochen; {target} wurde nicht geschrieben.</translation>
    </message>
    <message>
        <source>Export finished: {count} written ({size}) to {target}.</source>
        <translation>Export abgeschlossen: {count} ({size}) nach {target} geschrieben.</translation>
    </message>
    <message>
        <source>Already there from an earlier export: {count}.</source>
        <translation>Bereits aus einem früheren Export vorhanden: {count}.</translation>
    </message>
    <message>
        <source>Message {id} was left out: {reason}</source>
        <translation>Nachricht {id} wurde ausgelassen: {reason}</translation>
    </message>
    <message>
        <source>Cancelled; export again to finish.</source>
        <translation>Abgebrochen; exportieren Sie erneut, um den Vorgang abzuschließen.</translation>
    </message>
    <message>
        <source>Opening…</source>
        <translation>Wird geöffnet…</translation>
    </message>
    <message>
        <source>No program is set up to open .eml files. The message was saved as {path}.</source>
        <translation>Es ist kein Programm zum Öffnen von .eml-Dateien eingerichtet. Die Nachricht wurde als {path} gespeichert.</translation>
    </message>
    <message>
        <source>The message could not be opened: {reason}</source>
        <translation>Die Nachricht konnte nicht geöffnet werden: {reason}</translation>
    </message>
    <message>
        <source>Save attachments into a folder</source>
        <translation>Anhänge in einem Ordner speichern</translation>
    </message>
    <message>
        <source>Saving…</source>
        <translation>Wird gespeichert…</translation>
    </message>
    <message>
        <source>Saved the attachment into {folder}.</source>
        <translation>Der Anhang wurde in {folder} gespeichert.</translation>
    </message>
    <message>
        <source>Saved {count} attachments into {folder}.</source>
        <translation>{count} Anhänge wurden in {folder} gespeichert.</translation>
    </message>
</context>
<context>
    <name>SettingsPage</name>
    <message>
        <source>Archive folder</source>
        <translation>Archivordner</translation>
    </message>
    <message>
        <source>&amp;Browse…</source>
        <translation>&amp;Durchsuchen…</translation>
    </message>
    <message>
        <source>Choose the archive folder</source>
        <translation>Archivordner auswählen</translation>
    </message>
    <message>
        <source>Archive format</source>
        <translation>Archivformat</translation>
    </message>
    <message>
        <source>Maildir (one file per message)</source>
        <translation>Maildir (eine Datei pro Nachricht)</translation>
    </message>
    <message>
        <source>mbox (one file per folder)</source>
        <translation>mbox (eine Datei pro Ordner)</translation>
    </message>
    <message>
        <source>Default cut-off</source>
        <translation>Standard-Stichtag</translation>
    </message>
    <message>
        <source>3 months</source>
        <translation>vor 3 Monaten</translation>
    </message>
    <message>
        <source>6 months</source>
        <translation>vor 6 Monaten</translation>
    </message>
    <message>
        <source>1 year</source>
        <translation>vor 1 Jahr</translation>
    </message>
    <message>
        <source>2 years</source>
        <translation>vor 2 Jahren</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Sprache</translation>
    </message>
    <message>
        <source>System default</source>
        <translation>Systemeinstellung</translation>
    </message>
    <message>
        <source>Read scanned documents and images by &amp;OCR (slow)</source>
        <translation>Gescannte Dokumente und Bilder per Texter&amp;kennung (OCR) lesen (langsam)</translation>
    </message>
    <message>
        <source>Read scanned documents by OCR</source>
        <translation>Gescannte Dokumente per Texterkennung lesen</translation>
    </message>
    <message>
        <source>Not available: Tesseract OCR with German language data is not installed (see the user guide).</source>
        <translation>Nicht verfügbar: Tesseract OCR mit deutschen Sprachdaten ist nicht installiert (siehe Benutzerhandbuch).</translation>
    </message>
    <message>
        <source>Archive &amp;folder:</source>
        <translation>Archiv&amp;ordner:</translation>
    </message>
    <message>
        <source>Default &amp;cut-off:</source>
        <translation>Standard-S&amp;tichtag:</translation>
    </message>
    <message>
        <source>&amp;Language:</source>
        <translation>&amp;Sprache:</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>Einstellungen</translation>
    </message>
    <message>
        <source>Past archive runs</source>
        <translation>Bisherige Archivierungen</translation>
    </message>
    <message>
        <source>&amp;Refresh</source>
        <translation>&amp;Aktualisieren</translation>
    </message>
    <message>
        <source>Refresh the list of past runs</source>
        <translation>Liste der bisherigen Archivierungen aktualisieren</translation>
    </message>
    <message>
        <source>Open &amp;archive folder</source>
        <translation>Arc&amp;hivordner öffnen</translation>
    </message>
    <message>
        <source>Open the archive folder in the file manager</source>
        <translation>Den Archivordner im Dateimanager öffnen</translation>
    </message>
    <message>
        <source>Open lo&amp;g folder</source>
        <translation>Ordner der Lo&amp;gdateien öffnen</translation>
    </message>
    <message>
        <source>Open the log folder in the file manager</source>
        <translation>Den Ordner der Logdateien im Dateimanager öffnen</translation>
    </message>
    <message>
        <source>Reads every archived message back and compares it with the catalog. Messages the catalog lacks are recorded again from the archive files, a lost or damaged catalog is rebuilt, and the search index is repaired. No archive file is deleted.</source>
        <translation>Liest jede archivierte Nachricht zurück und vergleicht sie mit dem Katalog. Nachrichten, die dem Katalog fehlen, werden aus den Archivdateien neu erfasst, ein verlorener oder beschädigter Katalog wird neu aufgebaut und der Suchindex repariert. Keine Archivdatei wird gelöscht.</translation>
    </message>
    <message>
        <source>Chec&amp;k and repair the archive</source>
        <translation>Archiv prüfen und &amp;reparieren</translation>
    </message>
    <message>
        <source>Check and repair the archive</source>
        <translation>Archiv prüfen und reparieren</translation>
    </message>
    <message>
        <source>Progress of the check</source>
        <translation>Fortschritt der Prüfung</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Cancel the check</source>
        <translation>Prüfung abbrechen</translation>
    </message>
    <message>
        <source>Check the archive</source>
        <translation>Archiv prüfen</translation>
    </message>
    <message>
        <source>Checking…</source>
        <translation>Wird geprüft…</translation>
    </message>
    <message>
        <source>The check was cancelled.</source>
        <translation>Die Prüfung wurde abgebrochen.</translation>
    </message>
    <message>
        <source>{done} of {total}</source>
        <translation>{done} von {total}</translation>
    </message>
    <message>
        <source>The catalog was rebuilt from the archive files (the damaged one is kept as {file}).</source>
        <translation>Der Katalog wurde aus den Archivdateien neu aufgebaut (der beschädigte bleibt als {file} erhalten).</translation>
    </message>
    <message>
        <source>The catalog was rebuilt from the archive files.</source>
        <translation>Der Katalog wurde aus den Archivdateien neu aufgebaut.</translation>
    </message>
    <message>
        <source>Messages recorded again from the archive files: {count}.</source>
        <translation>Aus den Archivdateien neu erfasste Nachrichten: {count}.</translation>
    </message>
    <message>
        <source>Messages found again at another place in the archive files: {count}.</source>
        <translation>An anderer Stelle in den Archivdateien wiedergefundene Nachrichten: {count}.</translation>
    </message>
    <message>
        <source>Messages missing or damaged: {count}. They stay in the catalog; a good copy is on the server or in your backup.</source>
        <translation>Fehlende oder beschädigte Nachrichten: {count}. Sie bleiben im Katalog; eine gute Kopie liegt auf dem Server oder in Ihrer Datensicherung.</translation>
    </message>
    <message>
        <source>Messages in the archive files that could not be recorded: {count}. They do not end as the archive&apos;s own messages do, so they are left as they are.</source>
        <translation>Nachrichten in den Archivdateien, die nicht erfasst werden konnten: {count}. Sie enden nicht wie die eigenen Nachrichten des Archivs und bleiben daher unverändert.</translation>
    </message>
    <message>
        <source>All messages are intact ({count} checked).</source>
        <translation>Alle Nachrichten sind unversehrt ({count} geprüft).</translation>
    </message>
    <message>
        <source>Cancelled after {checked} of {total} messages; check again to check them all.</source>
        <translation>Abgebrochen nach {checked} von {total} Nachrichten; prüfen Sie erneut, um alle zu prüfen.</translation>
    </message>
    <message>
        <source>Archive forma&amp;t:</source>
        <translation>Archiv&amp;format:</translation>
    </message>
    <message>
        <source>Search:</source>
        <translation>Suche:</translation>
    </message>
    <message>
        <source>The format applies to accounts archived for the first time; an account keeps the format of its existing archive. Changing the folder does not move an existing archive: choose the folder where it is. OCR applies to mail indexed from now on.</source>
        <translation>Das Format gilt für Konten, die zum ersten Mal archiviert werden; ein Konto behält das Format seines vorhandenen Archivs. Ein anderer Ordner verschiebt kein vorhandenes Archiv: Wählen Sie den Ordner, in dem es liegt. Die Texterkennung gilt für E-Mails, die ab jetzt für die Suche erfasst werden.</translation>
    </message>
    <message>
        <source>The archive holds no messages yet.</source>
        <translation>Das Archiv enthält noch keine Nachrichten.</translation>
    </message>
    <message>
        <source>The search index was repaired.</source>
        <translation>Der Suchindex wurde repariert.</translation>
    </message>
    <message>
        <source>The folder {path} could not be opened.</source>
        <translation>Der Ordner {path} konnte nicht geöffnet werden.</translation>
    </message>
    <message>
        <source>The archive folder {path} does not exist. Is the drive it is on connected?</source>
        <translation>Der Archivordner {path} existiert nicht. Ist das Laufwerk, auf dem er liegt, angeschlossen?</translation>
    </message>
    <message>
        <source>The archive folder must be a full path.</source>
        <translation>Der Archivordner muss als vollständiger Pfad angegeben werden.</translation>
    </message>
    <message>
        <source>Saved. The language changes the next time you start the app.</source>
        <translation>Gespeichert. Die Sprache ändert sich beim nächsten Programmstart.</translation>
    </message>
    <message>
        <source>Saved.</source>
        <translation>Gespeichert.</translation>
    </message>
</context>
<context>
    <name>WelcomePage</name>
    <message>
        <source>Welcome to IMAP Archiver</source>
        <translation>Willkommen bei IMAP Archiver</translation>
    </message>
    <message>
        <source>Mail older than a cut-off you choose moves from the server into an archive on this computer, where it stays searchable and can be put back on the server at any time. Nothing is deleted from the server before it is safely stored here and checked byte for byte.

Start by adding your mail account.</source>
        <translation>E-Mails mit Datum vor einem von Ihnen gewählten Stichtag werden vom Server in ein Archiv auf diesem Computer verschoben, wo sie durchsuchbar bleiben und sich jederzeit auf dem Server wiederherstellen lassen. Vom Server wird nichts gelöscht, bevor es hier sicher gespeichert und Byte für Byte geprüft ist.

Fügen Sie zuerst Ihr E-Mail-Konto hinzu.</translation>
    </message>
    <message>
        <source>The archive is kept in:</source>
        <translation>Das Archiv wird hier gespeichert:</translation>
    </message>
    <message>
        <source>Archive folder</source>
        <translation>Archivordner</translation>
    </message>
    <message>
        <source>&amp;Change…</source>
        <translation>&amp;Ändern…</translation>
    </message>
    <message>
        <source>Choose another archive folder</source>
        <translation>Einen anderen Archivordner auswählen</translation>
    </message>
    <message>
        <source>Problem with the archive folder</source>
        <translation>Problem mit dem Archivordner</translation>
    </message>
    <message>
        <source>Add account…</source>
        <translation>Konto hinzufügen…</translation>
    </message>
    <message>
        <source>Add account</source>
        <translation>Konto hinzufügen</translation>
    </message>
    <message>
        <source>Choose the archive folder</source>
        <translation>Archivordner auswählen</translation>
    </message>
    <message>
        <source>The archive folder must be a full path.</source>
        <translation>Der Archivordner muss als vollständiger Pfad angegeben werden.</translation>
    </message>
</context>
<context>
    <name>account</name>
    <message>
        <source>SSL/TLS</source>
        <translation>SSL/TLS</translation>
    </message>
    <message>
        <source>STARTTLS</source>
        <translation>STARTTLS</translation>
    </message>
    <message>
        <source>Unencrypted</source>
        <translation>Unverschlüsselt</translation>
    </message>
    <message>
        <source>Stored in the system keyring.</source>
        <translation>Im Schlüsselbund des Systems gespeichert.</translation>
    </message>
    <message>
        <source>Asked for each time the app starts.</source>
        <translation>Wird bei jedem Programmstart abgefragt.</translation>
    </message>
    <message>
        <source>Printed by a password command.</source>
        <translation>Wird von einem Passwort-Befehl geliefert.</translation>
    </message>
    <message>
        <source>{used} used (no limit)</source>
        <translation>{used} belegt (ohne Begrenzung)</translation>
    </message>
    <message>
        <source>{used} of {limit} used ({percent}%)</source>
        <translation>{used} von {limit} belegt ({percent} %)</translation>
    </message>
    <message>
        <source>The CA file {path} does not exist.</source>
        <translation>Die CA-Datei {path} existiert nicht.</translation>
    </message>
</context>
<context>
    <name>app</name>
    <message>
        <source>An unexpected error occurred; the details are in the log file.</source>
        <translation>Ein unerwarteter Fehler ist aufgetreten; Einzelheiten stehen in der Logdatei.</translation>
    </message>
</context>
<context>
    <name>backup</name>
    <message>
        <source>The archive is untouched. Choose “Back up now” again to finish the backup.</source>
        <translation>Das Archiv ist unverändert. Wählen Sie erneut „Jetzt sichern“, um die Sicherung abzuschließen.</translation>
    </message>
    <message>
        <source>The backup folder {path} went away during the backup (disk unplugged or network connection lost); the backup there is marked incomplete. Connect the disk again.</source>
        <translation>Der Sicherungsordner {path} ist während der Sicherung verschwunden (Festplatte abgezogen oder Netzwerkverbindung verloren); die Sicherung dort ist als unvollständig gekennzeichnet. Schließen Sie die Festplatte wieder an.</translation>
    </message>
    <message>
        <source>The backup folder {path} cannot be reached. Connect the external disk or the network drive, or choose another folder.</source>
        <translation>Der Sicherungsordner {path} ist nicht erreichbar. Schließen Sie die externe Festplatte oder das Netzlaufwerk an, oder wählen Sie einen anderen Ordner.</translation>
    </message>
    <message>
        <source>The folder {path} is not empty and holds no backup of this app. Choose an empty folder or the folder of an earlier backup. Nothing was written.</source>
        <translation>Der Ordner {path} ist nicht leer und enthält keine Sicherung dieses Programms. Wählen Sie einen leeren Ordner oder den Ordner einer früheren Sicherung. Es wurde nichts geschrieben.</translation>
    </message>
    <message>
        <source>The folder {path} holds the backup of another archive (another computer&apos;s). Choose another folder. Nothing was written.</source>
        <translation>Der Ordner {path} enthält die Sicherung eines anderen Archivs (eines anderen Computers). Wählen Sie einen anderen Ordner. Es wurde nichts geschrieben.</translation>
    </message>
    <message>
        <source>The backup folder {path} is the archive folder, lies inside it or holds it. Choose a folder on another disk.</source>
        <translation>Der Sicherungsordner {path} ist der Archivordner, liegt darin oder enthält ihn. Wählen Sie einen Ordner auf einer anderen Festplatte.</translation>
    </message>
    <message>
        <source>The backup disk of {path} is too small: the backup needs about {needed} more, {free} are free. Use a larger disk or free some space. Nothing was copied.</source>
        <translation>Die Sicherungsfestplatte von {path} ist zu klein: Die Sicherung braucht etwa {needed} mehr, frei sind {free}. Verwenden Sie eine größere Festplatte oder schaffen Sie Platz. Es wurde nichts kopiert.</translation>
    </message>
    <message>
        <source>The backup disk of {path} is full; the backup there is marked incomplete. Free some space on it or use a larger disk.</source>
        <translation>Die Sicherungsfestplatte von {path} ist voll; die Sicherung dort ist als unvollständig gekennzeichnet. Schaffen Sie dort Platz oder verwenden Sie eine größere Festplatte.</translation>
    </message>
    <message>
        <source>The backup folder {path} cannot be written (a write-protected disk, or no permission). Choose another folder.</source>
        <translation>In den Sicherungsordner {path} kann nicht geschrieben werden (schreibgeschützter Datenträger oder keine Berechtigung). Wählen Sie einen anderen Ordner.</translation>
    </message>
    <message>
        <source>The backup disk of {path} is formatted {filesystem}, which cannot hold files larger than {limit}; the archive holds {count} such files (for example {file}, {size}). Use a disk formatted exFAT or NTFS. Nothing was copied.</source>
        <translation>Die Sicherungsfestplatte von {path} ist mit {filesystem} formatiert und kann keine Dateien größer als {limit} aufnehmen; das Archiv enthält {count} solche Dateien (zum Beispiel {file}, {size}). Verwenden Sie eine mit exFAT oder NTFS formatierte Festplatte. Es wurde nichts kopiert.</translation>
    </message>
    <message>
        <source>Copying {file} to {path} failed ({detail}); the backup there is marked incomplete. Check the disk and its cable or network connection.</source>
        <translation>Das Kopieren von {file} nach {path} ist fehlgeschlagen ({detail}); die Sicherung dort ist als unvollständig gekennzeichnet. Prüfen Sie die Festplatte und ihr Kabel oder die Netzwerkverbindung.</translation>
    </message>
</context>
<context>
    <name>errors</name>
    <message>
        <source>Nothing was changed. To rebuild the catalog from the archive files, choose Settings → Check and repair the archive.</source>
        <translation>Es wurde nichts verändert. Um den Katalog aus den Archivdateien neu aufzubauen, wählen Sie Einstellungen → Archiv prüfen und reparieren.</translation>
    </message>
    <message>
        <source>The archive&apos;s catalog {path} is damaged ({detail}).</source>
        <translation>Der Katalog des Archivs {path} ist beschädigt ({detail}).</translation>
    </message>
    <message>
        <source>The archive&apos;s catalog {path} is missing, but the archive holds messages.</source>
        <translation>Der Katalog des Archivs {path} fehlt, aber das Archiv enthält Nachrichten.</translation>
    </message>
    <message>
        <source>Another job is using the archive; try again when it has finished.</source>
        <translation>Ein anderer Vorgang verwendet das Archiv; versuchen Sie es erneut, wenn er beendet ist.</translation>
    </message>
    <message>
        <source>The server {host} does not accept connections on port {port}. Check the server name and the port.</source>
        <translation>Der Server {host} nimmt auf Port {port} keine Verbindungen an. Prüfen Sie den Servernamen und den Port.</translation>
    </message>
    <message>
        <source>The server name {host} cannot be found. Check its spelling and the internet connection.</source>
        <translation>Der Servername {host} wurde nicht gefunden. Prüfen Sie die Schreibweise und die Internetverbindung.</translation>
    </message>
    <message>
        <source>The server {host} did not answer in time. Check the internet connection and try again.</source>
        <translation>Der Server {host} hat nicht rechtzeitig geantwortet. Prüfen Sie die Internetverbindung und versuchen Sie es erneut.</translation>
    </message>
    <message>
        <source>No connection to the server {host} on port {port} could be made. Check the server name, the port and the internet connection.</source>
        <translation>Zum Server {host} auf Port {port} konnte keine Verbindung hergestellt werden. Prüfen Sie den Servernamen, den Port und die Internetverbindung.</translation>
    </message>
    <message>
        <source>The connection to the server {host} was lost. Nothing was lost; try again.</source>
        <translation>Die Verbindung zum Server {host} ist abgebrochen. Es ging nichts verloren; versuchen Sie es erneut.</translation>
    </message>
    <message>
        <source>The server {host} rejected the user name or the password. Check both; many providers want the full e-mail address as the user name.</source>
        <translation>Der Server {host} hat den Benutzernamen oder das Passwort abgelehnt. Prüfen Sie beides; viele Anbieter erwarten die vollständige E-Mail-Adresse als Benutzernamen.</translation>
    </message>
    <message>
        <source>The certificate of the server {host} is not trusted: no certificate authority known to this computer vouches for it. No password was sent.</source>
        <translation>Dem Zertifikat des Servers {host} wird nicht vertraut: Keine diesem Computer bekannte Zertifizierungsstelle bürgt dafür. Es wurde kein Passwort gesendet.</translation>
    </message>
    <message>
        <source>The certificate of the server {host} was made out for another server name. Use the server name your provider gives. No password was sent.</source>
        <translation>Das Zertifikat des Servers {host} ist auf einen anderen Servernamen ausgestellt. Verwenden Sie den Servernamen, den Ihr Anbieter angibt. Es wurde kein Passwort gesendet.</translation>
    </message>
    <message>
        <source>The certificate of the server {host} has expired. Tell your provider; trust it only if they confirm it. No password was sent.</source>
        <translation>Das Zertifikat des Servers {host} ist abgelaufen. Sagen Sie es Ihrem Anbieter; vertrauen Sie ihm nur, wenn er es bestätigt. Es wurde kein Passwort gesendet.</translation>
    </message>
    <message>
        <source>The server {host} showed a different certificate from the one you trust. It may have been renewed, or someone may be intercepting the connection. No password was sent.</source>
        <translation>Der Server {host} zeigt ein anderes Zertifikat als das, dem Sie vertrauen. Es wurde vielleicht erneuert, oder jemand fängt die Verbindung ab. Es wurde kein Passwort gesendet.</translation>
    </message>
    <message>
        <source>No secure connection to the server {host} could be established ({reason}).</source>
        <translation>Zum Server {host} konnte keine sichere Verbindung hergestellt werden ({reason}).</translation>
    </message>
    <message>
        <source>The CA file of account {account} cannot be read. Choose another one.</source>
        <translation>Die CA-Datei des Kontos {account} kann nicht gelesen werden. Wählen Sie eine andere.</translation>
    </message>
    <message>
        <source>The server {host} does not offer STARTTLS on port {port}, so the password would travel unencrypted; it was not sent. Choose SSL/TLS (port 993).</source>
        <translation>Der Server {host} bietet auf Port {port} kein STARTTLS an, das Passwort ginge also unverschlüsselt über das Netz; es wurde nicht gesendet. Wählen Sie SSL/TLS (Port 993).</translation>
    </message>
    <message>
        <source>Port {port} of the server {host} expects SSL/TLS from the start, not STARTTLS. Choose SSL/TLS as the security.</source>
        <translation>Port {port} des Servers {host} erwartet SSL/TLS von Anfang an, nicht STARTTLS. Wählen Sie SSL/TLS als Sicherheit.</translation>
    </message>
    <message>
        <source>Port {port} of the server {host} expects STARTTLS, not SSL/TLS. Choose STARTTLS (port 143), or SSL/TLS with port 993.</source>
        <translation>Port {port} des Servers {host} erwartet STARTTLS, nicht SSL/TLS. Wählen Sie STARTTLS (Port 143) oder SSL/TLS mit Port 993.</translation>
    </message>
    <message>
        <source>The mailbox on the server {host} is full. Free some space there (empty the trash, for example) and try again.</source>
        <translation>Das Postfach auf dem Server {host} ist voll. Schaffen Sie dort Platz (leeren Sie zum Beispiel den Papierkorb) und versuchen Sie es erneut.</translation>
    </message>
    <message>
        <source>This computer has no usable password store (system keyring). In the account&apos;s settings, choose “Ask each time” or a password command.</source>
        <translation>Dieser Computer hat keinen nutzbaren Passwortspeicher (Schlüsselbund des Systems). Wählen Sie in den Einstellungen des Kontos „Jedes Mal fragen“ oder einen Passwort-Befehl.</translation>
    </message>
    <message>
        <source>The password of account {account} is not in the system keyring. Type it again in the account&apos;s settings.</source>
        <translation>Das Passwort des Kontos {account} ist nicht im Schlüsselbund des Systems. Geben Sie es in den Einstellungen des Kontos erneut ein.</translation>
    </message>
    <message>
        <source>The password command of account {account} gave no password. Check the command in the account&apos;s settings.</source>
        <translation>Der Passwort-Befehl des Kontos {account} hat kein Passwort geliefert. Prüfen Sie den Befehl in den Einstellungen des Kontos.</translation>
    </message>
    <message>
        <source>No password was given for account {account}.</source>
        <translation>Für das Konto {account} wurde kein Passwort angegeben.</translation>
    </message>
    <message>
        <source>The archive at {path} is read-only (read-only media, or no permission to write there); it can be searched, shown and exported, but not changed.</source>
        <translation>Das Archiv in {path} ist schreibgeschützt (ein schreibgeschützter Datenträger, oder keine Schreibrechte dort); es lässt sich durchsuchen, anzeigen und exportieren, aber nicht ändern.</translation>
    </message>
    <message>
        <source>Edit account</source>
        <translation>Konto bearbeiten</translation>
    </message>
    <message>
        <source>Check certificate</source>
        <translation>Zertifikat prüfen</translation>
    </message>
    <message>
        <source>Use SSL/TLS</source>
        <translation>SSL/TLS verwenden</translation>
    </message>
    <message>
        <source>Use STARTTLS</source>
        <translation>STARTTLS verwenden</translation>
    </message>
    <message>
        <source>Open settings</source>
        <translation>Einstellungen öffnen</translation>
    </message>
    <message>
        <source>Try again</source>
        <translation>Erneut versuchen</translation>
    </message>
    <message>
        <source>The server said: {reason}</source>
        <translation>Der Server sagte: {reason}</translation>
    </message>
    <message>
        <source>An unexpected error occurred; the details are in the log file.</source>
        <translation>Ein unerwarteter Fehler ist aufgetreten; Einzelheiten stehen in der Logdatei.</translation>
    </message>
    <message>
        <source>The query has {found} characters; at most {maximum} are allowed.</source>
        <translation>Die Suchanfrage hat {found} Zeichen; erlaubt sind höchstens {maximum}.</translation>
    </message>
    <message>
        <source>The query has {found} words; at most {maximum} are allowed.</source>
        <translation>Die Suchanfrage hat {found} Wörter; erlaubt sind höchstens {maximum}.</translation>
    </message>
    <message>
        <source>A word of the query has {found} characters; at most {maximum} are allowed.</source>
        <translation>Ein Wort der Suchanfrage hat {found} Zeichen; erlaubt sind höchstens {maximum}.</translation>
    </message>
    <message>
        <source>The query nests parentheses {found} deep; at most {maximum} are allowed.</source>
        <translation>Die Suchanfrage schachtelt Klammern {found} tief; erlaubt sind höchstens {maximum}.</translation>
    </message>
</context>
<context>
    <name>folders</name>
    <message>
        <source>Inbox</source>
        <translation>Posteingang</translation>
    </message>
    <message>
        <source>Sent</source>
        <translation>Gesendet</translation>
    </message>
    <message>
        <source>Drafts</source>
        <translation>Entwürfe</translation>
    </message>
    <message>
        <source>Trash</source>
        <translation>Papierkorb</translation>
    </message>
    <message>
        <source>Spam</source>
        <translation>Spam</translation>
    </message>
    <message>
        <source>Archive</source>
        <translation>Archiv</translation>
    </message>
</context>
<context>
    <name>indexing</name>
    <message>
        <source>Writing the search index…</source>
        <translation>Der Suchindex wird geschrieben…</translation>
    </message>
    <message>
        <source>Indexing archived messages for search: {done} of {total}</source>
        <translation>Archivierte Nachrichten werden für die Suche erfasst: {done} von {total}</translation>
    </message>
</context>
<context>
    <name>preflight</name>
    <message>
        <source>IMAP Archiver cannot open its window: this system lacks libraries that Qt needs to draw on the screen. Install them, then start IMAP Archiver again:</source>
        <translation>IMAP Archiver kann sein Fenster nicht öffnen: Auf diesem System fehlen Bibliotheken, die Qt zum Zeichnen auf dem Bildschirm braucht. Installieren Sie sie und starten Sie IMAP Archiver danach erneut:</translation>
    </message>
</context>
<context>
    <name>providers</name>
    <message>
        <source>If the login is refused, allow access by POP3 and IMAP in the settings of the GMX web mail.</source>
        <translation>Wird die Anmeldung abgelehnt, erlauben Sie den Zugriff per POP3 und IMAP in den Einstellungen des GMX-Webmailers.</translation>
    </message>
    <message>
        <source>If the login is refused, allow access by POP3 and IMAP in the settings of the WEB.DE web mail.</source>
        <translation>Wird die Anmeldung abgelehnt, erlauben Sie den Zugriff per POP3 und IMAP in den Einstellungen des WEB.DE-Webmailers.</translation>
    </message>
    <message>
        <source>Use your e-mail password, which you set in the Telekom E-Mail Center, not the password of your Telekom login.</source>
        <translation>Verwenden Sie Ihr E-Mail-Passwort, das Sie im Telekom E-Mail Center festgelegt haben, nicht das Passwort Ihres Telekom-Logins.</translation>
    </message>
    <message>
        <source>The user name is your full e-mail address.</source>
        <translation>Der Benutzername ist Ihre vollständige E-Mail-Adresse.</translation>
    </message>
    <message>
        <source>Gmail accepts an app password here, not your Google password: create one in your Google Account under Security (2-Step Verification must be on).</source>
        <translation>Gmail akzeptiert hier ein App-Passwort, nicht Ihr Google-Passwort: Erstellen Sie eines in Ihrem Google-Konto unter „Sicherheit“ (dafür muss die Bestätigung in zwei Schritten aktiviert sein).</translation>
    </message>
    <message>
        <source>Microsoft usually lets mail programs in only with OAuth sign-in, which IMAP Archiver does not support: logging in with a password will most likely be refused.</source>
        <translation>Microsoft lässt E-Mail-Programme meist nur mit einer OAuth-Anmeldung zu, die IMAP Archiver nicht unterstützt: Eine Anmeldung mit Passwort wird sehr wahrscheinlich abgelehnt.</translation>
    </message>
    <message>
        <source>Yahoo accepts an app password here, not your Yahoo password: create one in the security settings of your Yahoo account.</source>
        <translation>Yahoo akzeptiert hier ein App-Passwort, nicht Ihr Yahoo-Passwort: Erstellen Sie eines in den Sicherheitseinstellungen Ihres Yahoo-Kontos.</translation>
    </message>
    <message>
        <source>iCloud accepts an app-specific password here, not your Apple Account password: create one in your Apple Account&apos;s security settings.</source>
        <translation>iCloud akzeptiert hier ein app-spezifisches Passwort, nicht das Passwort Ihres Apple Accounts: Erstellen Sie eines in den Sicherheitseinstellungen Ihres Apple Accounts.</translation>
    </message>
</context>
<context>
    <name>scheduledrun</name>
    <message>
        <source>{account}: skipped, because its password is asked each time. To archive it automatically, store its password in the system keyring (Accounts → Edit).</source>
        <translation>{account}: ausgelassen, weil sein Passwort jedes Mal abgefragt wird. Um es automatisch zu archivieren, speichern Sie das Passwort im Schlüsselbund des Systems (Konten → Bearbeiten).</translation>
    </message>
    <message>
        <source>{account}: its password could not be read from the keyring or the password command.</source>
        <translation>{account}: Das Passwort konnte nicht aus dem Schlüsselbund oder vom Passwort-Befehl gelesen werden.</translation>
    </message>
    <message>
        <source>{account}: the account no longer exists.</source>
        <translation>{account}: Das Konto gibt es nicht mehr.</translation>
    </message>
    <message>
        <source>{account}: the archive folder {detail} was not there. Is its drive connected?</source>
        <translation>{account}: Der Archivordner {detail} war nicht da. Ist sein Laufwerk angeschlossen?</translation>
    </message>
    <message>
        <source>{account}: another job was using the archive.</source>
        <translation>{account}: Ein anderer Vorgang hat das Archiv benutzt.</translation>
    </message>
    <message>
        <source>{account}: the server rejected the user name or password.</source>
        <translation>{account}: Der Server hat Benutzername oder Passwort abgelehnt.</translation>
    </message>
    <message>
        <source>{account}: the server could not be reached.</source>
        <translation>{account}: Der Server war nicht erreichbar.</translation>
    </message>
    <message>
        <source>{account}: stopped: {detail}</source>
        <translation>{account}: abgebrochen: {detail}</translation>
    </message>
    <message>
        <source>{account}: an unexpected error; the details are in the log file.</source>
        <translation>{account}: ein unerwarteter Fehler; die Einzelheiten stehen in der Logdatei.</translation>
    </message>
    <message>
        <source>{account}: {count} messages could not be archived and stay on the server.</source>
        <translation>{account}: {count} Nachrichten konnten nicht archiviert werden und bleiben auf dem Server.</translation>
    </message>
    <message>
        <source>Last automatic run: {day}, {count} messages, {size} freed.</source>
        <translation>Letzter automatischer Lauf: {day}, {count} Nachrichten, {size} freigegeben.</translation>
    </message>
</context>
</TS>
