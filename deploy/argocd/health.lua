-- Argo CD health check for sshtunnel.dev/SshTunnel (kstatus-style: Ready condition + observedGeneration).
-- Install: add this script to argocd-cm under resource.customizations.health.sshtunnel.dev_SshTunnel
-- (see argocd-cm-patch.yaml beside this file).
local hs = {}
if obj.status == nil or obj.status.conditions == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to report status"
  return hs
end
-- observedGeneration is the generation the forwarder pods run: absent or behind, the rollout is not done.
if obj.metadata.generation ~= nil and (obj.status.observedGeneration == nil
    or obj.status.observedGeneration < obj.metadata.generation) then
  hs.status = "Progressing"
  hs.message = "Waiting for the forwarders to run generation " .. obj.metadata.generation
  return hs
end
-- A spec the operator holds back (invalid, image not allowed, Secret missing, write refused) leaves the
-- forwarder on an older spec than the one applied: not Healthy, whatever Ready says about the old one.
for _, condition in ipairs(obj.status.conditions) do
  if condition.type == "SpecApplied" and condition.status == "False" then
    hs.status = "Degraded"
    hs.message = (condition.reason or "") .. ": " .. (condition.message or "")
    return hs
  end
end
-- A forward whose probe fails: the tunnel is up, the path behind it is not (ForwardsReachable False).
for _, condition in ipairs(obj.status.conditions) do
  if condition.type == "ForwardsReachable" and condition.status == "False" then
    hs.status = "Degraded"
    hs.message = (condition.reason or "") .. ": " .. (condition.message or "")
    return hs
  end
end
for _, condition in ipairs(obj.status.conditions) do
  if condition.type == "Ready" then
    local reason = condition.reason or ""
    local message = condition.message or ""
    if condition.status == "True" then
      hs.status = "Healthy"
    elseif reason == "Suspended" then
      hs.status = "Suspended"
    elseif reason == "Connecting" or reason == "ForwarderUnavailable" then
      hs.status = "Progressing"
    else
      -- InvalidSpec, SecretNotFound, Unreachable, AuthenticationFailed, HostKeyMismatch, HostKeyUnknown, HostKeyDisagreement,
      -- ForwardRejected, RemotePortInUse: a person has to act (or the far side has to come back).
      hs.status = "Degraded"
    end
    if reason ~= "" then
      hs.message = reason .. ": " .. message
    else
      hs.message = message
    end
    return hs
  end
end
hs.status = "Progressing"
hs.message = "Waiting for the Ready condition"
return hs
