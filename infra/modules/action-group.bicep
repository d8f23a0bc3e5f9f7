// The action group every alert of this deployment notifies. With no e-mail address it has no
// receiver: the alerts still fire and show in the portal (Monitor > Alerts), nobody is mailed.
// https://learn.microsoft.com/azure/templates/microsoft.insights/2022-04-01/actiongroups
param name string
param tags object = {}

@maxLength(12)
@description('Short name shown in notifications (at most 12 characters).')
param shortName string = 'orders'

@description('E-mail address of the one receiver; empty for none.')
param emailAddress string = ''

resource actionGroup 'Microsoft.Insights/actionGroups@2022-04-01' = {
  name: name
  location: 'global' // action groups are global resources
  tags: tags
  properties: {
    groupShortName: shortName
    enabled: true
    emailReceivers: empty(emailAddress) ? [] : [
      {
        name: 'operator'
        emailAddress: emailAddress
        useCommonAlertSchema: true
      }
    ]
  }
}

output id string = actionGroup.id
