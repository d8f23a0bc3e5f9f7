# azd preprovision hook (PowerShell twin of scripts/preprovision.sh): the Entra ID app
# registration (client id, app roles, v2 tokens) that Easy Auth in infra/ checks tokens
# against. scripts/app_registration.py does the work for both; it needs az, azd and Python 3.
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$python = Get-Command python, python3 -CommandType Application -ErrorAction SilentlyContinue |
    Select-Object -First 1
if (-not $python) {
    Write-Error 'preprovision: Python 3 is required to create the app registration: https://www.python.org/downloads/' -ErrorAction Continue
    exit 1
}
& $python.Source (Join-Path $PSScriptRoot 'app_registration.py')
exit $LASTEXITCODE
