; Inno Setup script: a Windows installer for the one-folder build in dist\imap-archiver\.
;
;   python packaging\build.py
;   iscc /DAppVersion=0.1.0 packaging\imap-archiver.iss
;
; Writes dist\imap-archiver-<version>-setup.exe. It installs for the current user by default
; (no administrator rights; %LOCALAPPDATA%\Programs\IMAP Archiver), or for all users when
; chosen in the first dialog or with /ALLUSERS. English and German; see packaging\README.md.
; The uninstaller removes the program only: settings, logs and the mail archive stay where
; they are (the archive may be the only copy of the user's mail).
; Needs Inno Setup 6.3 or later (UTF-8 script without BOM, x64compatible).

#ifndef AppVersion
  #error Pass the version, e.g. iscc /DAppVersion=0.1.0 packaging\imap-archiver.iss
#endif

#define AppName "IMAP Archiver"
#define AppExe "imap-archiver-gui.exe"

[Setup]
; The AppId identifies the installation for upgrades and the uninstaller: never change it.
AppId={{D693A9A5-29A0-456A-A7C1-CE9479ED7958}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=IMAP Archiver developers
AppPublisherURL=https://imaparchiver.org/
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog commandline
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
SourceDir=..
OutputDir=dist
OutputBaseFilename=imap-archiver-{#AppVersion}-setup
SetupIconFile=resources\icons\imap-archiver.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
WizardStyle=modern
Compression=lzma2/max
SolidCompression=yes
CloseApplications=yes
ShowLanguageDialog=auto

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"
Name: "german"; MessagesFile: "compiler:Languages\German.isl"

[CustomMessages]
english.Comment=Move old mail from a small IMAP mailbox into a verified, searchable local archive
german.Comment=Alte E-Mails aus einem kleinen IMAP-Postfach in ein geprüftes, durchsuchbares lokales Archiv verschieben

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "dist\imap-archiver\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[InstallDelete]
; An upgrade replaces the bundle's libraries as a whole: no stale file of an older build stays.
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; Comment: "{cm:Comment}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Comment: "{cm:Comment}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent
